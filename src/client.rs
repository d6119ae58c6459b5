//! A small GraphQL-over-HTTP client of a running AccessGraph server, for the command line's client
//! commands (`accessgraph explain`, ...): `POST /graphql` with the `Api-Key` header and a JSON
//! body of `query` and `variables`; GraphQL `errors` become a Rust error ([`ClientError`]).
//!
//! Plain HTTP/1.1 only (hyper's client over a Tokio TCP stream), one connection per request: the
//! commands send a handful of requests, and no TLS is spoken, so use it on the server's host or
//! network, or through a TLS-terminating tunnel.

pub mod explain;
pub mod users;

use std::fmt;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Request, StatusCode, Uri};
use hyper_util::rt::TokioIo;
use serde_json::{Value, json};

/// How long one request may take, connecting included, unless [`Client::with_timeout`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// Why a request did not give an answer without errors.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The server URL cannot be used (not http, no host, ...).
    #[error("{0}")]
    Url(String),
    /// No connection could be made.
    #[error("cannot connect to {address}: {source}")]
    Connect { address: String, source: std::io::Error },
    /// The connection broke, or the exchange was not HTTP.
    #[error("the request to {url} failed: {message}")]
    Transport { url: String, message: String },
    /// No answer in time.
    #[error("no answer from {url} within {} s", .timeout.as_secs())]
    Timeout { url: String, timeout: Duration },
    /// An HTTP status other than 200 (401 for a wrong key, 429, 413, ...), with the server's message.
    #[error("the server answered HTTP {status}: {message}")]
    Http { status: u16, message: String },
    /// A GraphQL answer with errors.
    #[error("{}", GraphQlErrors(.0))]
    GraphQl(Vec<GraphQlError>),
    /// The answer is not a GraphQL response.
    #[error("the server's answer is not a GraphQL response: {0}")]
    InvalidResponse(String),
}

impl ClientError {
    /// The errorClass of every GraphQL error (empty for other errors).
    pub fn error_classes(&self) -> Vec<&str> {
        match self {
            ClientError::GraphQl(errors) => errors.iter().filter_map(|e| e.error_class.as_deref()).collect(),
            _ => Vec::new(),
        }
    }
}

/// One entry of a GraphQL response's `errors`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GraphQlError {
    pub message: String,
    /// `extensions.errorClass` (NerdGraph's), e.g. `FORBIDDEN`.
    pub error_class: Option<String>,
    /// The field the error belongs to, as `a.b.0.c`.
    pub path: Option<String>,
}

impl GraphQlError {
    fn from_json(error: &Value) -> GraphQlError {
        let path = error["path"].as_array().map(|segments| {
            segments
                .iter()
                .map(|s| match s {
                    Value::String(name) => name.clone(),
                    other => other.to_string(),
                })
                .collect::<Vec<_>>()
                .join(".")
        });
        let extensions = &error["extensions"];
        GraphQlError {
            message: error["message"].as_str().unwrap_or("(no message)").to_owned(),
            error_class: extensions["errorClass"]
                .as_str()
                .or_else(|| extensions["error_code"].as_str())
                .map(str::to_owned),
            path,
        }
    }
}

impl fmt::Display for GraphQlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(class) = &self.error_class {
            write!(f, " ({class})")?;
        }
        if let Some(path) = &self.path {
            write!(f, " at {path}")?;
        }
        Ok(())
    }
}

struct GraphQlErrors<'a>(&'a [GraphQlError]);

impl fmt::Display for GraphQlErrors<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the server refused the request: ")?;
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

/// A GraphQL answer: its `data` (null when there is none) and its `errors` (maybe partial data).
#[derive(Debug, Clone)]
pub struct GraphQlResponse {
    pub data: Value,
    pub errors: Vec<GraphQlError>,
}

/// Where the server's GraphQL endpoint is.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Endpoint {
    /// Host name or address, without brackets.
    host: String,
    port: u16,
    /// `host:port` as the URL gave it, for the `Host` header.
    authority: String,
    /// Path and query of the endpoint, `/graphql` when the URL has no path.
    path: String,
}

impl Endpoint {
    fn parse(url: &str) -> Result<Endpoint, ClientError> {
        let url = url.trim();
        let uri: Uri = url.parse().map_err(|_| ClientError::Url(format!("{url:?} is not a URL")))?;
        match uri.scheme_str() {
            Some("http") | None => {}
            Some("https") => {
                return Err(ClientError::Url(format!(
                    "{url}: https is not supported: this client speaks plain http (run it on the server's host or network, or through a TLS-terminating tunnel)"
                )));
            }
            Some(other) => return Err(ClientError::Url(format!("{url}: the scheme {other} is not http"))),
        }
        let authority = uri
            .authority()
            .ok_or_else(|| ClientError::Url(format!("{url}: no host (write it as http://HOST:PORT)")))?;
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_owned();
        if host.is_empty() {
            return Err(ClientError::Url(format!("{url}: no host (write it as http://HOST:PORT)")));
        }
        let path = match uri.path_and_query().map(|p| p.as_str()) {
            None | Some("" | "/") => "/graphql".to_owned(),
            Some(path) => path.to_owned(),
        };
        Ok(Endpoint { host, port: authority.port_u16().unwrap_or(80), authority: authority.as_str().to_owned(), path })
    }

    fn url(&self) -> String {
        format!("http://{}{}", self.authority, self.path)
    }
}

/// A client of one server, as the holder of one API key.
#[derive(Clone)]
pub struct Client {
    endpoint: Endpoint,
    api_key: String,
    timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key.
        f.debug_struct("Client").field("url", &self.endpoint.url()).finish_non_exhaustive()
    }
}

impl Client {
    /// A client of the server at `url`: `http://HOST:PORT` (its `/graphql` is called) or the full
    /// endpoint (`http://HOST:PORT/PATH`). The key goes in the `Api-Key` header.
    pub fn new(url: &str, api_key: &str) -> Result<Client, ClientError> {
        let endpoint = Endpoint::parse(url)?;
        let api_key = api_key.trim();
        if api_key.is_empty() || HeaderValue::from_str(api_key).is_err() {
            return Err(ClientError::Url("the API key is empty or not a valid header value".to_owned()));
        }
        Ok(Client { endpoint, api_key: api_key.to_owned(), timeout: DEFAULT_TIMEOUT })
    }

    /// The same client with another bound on each request's time.
    pub fn with_timeout(mut self, timeout: Duration) -> Client {
        self.timeout = timeout;
        self
    }

    /// The GraphQL endpoint called.
    pub fn url(&self) -> String {
        self.endpoint.url()
    }

    /// Runs `query` with `variables` (a JSON object, or null) and returns its `data`; any GraphQL
    /// error fails the call with all of them ([`ClientError::GraphQl`]).
    pub async fn graphql(&self, query: &str, variables: Value) -> Result<Value, ClientError> {
        let response = self.execute(query, variables).await?;
        if response.errors.is_empty() { Ok(response.data) } else { Err(ClientError::GraphQl(response.errors)) }
    }

    /// Runs `query` with `variables` and returns the answer's `data` and `errors` as they are, for
    /// callers that can use partial data. HTTP errors (any status but 200) still fail.
    pub async fn execute(&self, query: &str, variables: Value) -> Result<GraphQlResponse, ClientError> {
        let body = json!({ "query": query, "variables": variables }).to_string();
        let url = self.url();
        let (status, bytes) = tokio::time::timeout(self.timeout, self.post(body))
            .await
            .map_err(|_| ClientError::Timeout { url: url.clone(), timeout: self.timeout })??;
        let answer: Option<Value> = serde_json::from_slice(&bytes).ok();
        let errors: Vec<GraphQlError> = answer
            .as_ref()
            .and_then(|a| a["errors"].as_array())
            .map(|errors| errors.iter().map(GraphQlError::from_json).collect())
            .unwrap_or_default();
        if status != StatusCode::OK {
            let message = if errors.is_empty() {
                let text = String::from_utf8_lossy(&bytes);
                let text = text.trim();
                if text.is_empty() { status.canonical_reason().unwrap_or("no message").to_owned() } else { cut(text) }
            } else {
                errors.iter().map(|e| e.message.as_str()).collect::<Vec<_>>().join("; ")
            };
            return Err(ClientError::Http { status: status.as_u16(), message });
        }
        let Some(answer) = answer.filter(Value::is_object) else {
            return Err(ClientError::InvalidResponse(cut(&String::from_utf8_lossy(&bytes))));
        };
        if answer.get("data").is_none() && answer.get("errors").is_none() {
            return Err(ClientError::InvalidResponse(cut(&answer.to_string())));
        }
        Ok(GraphQlResponse { data: answer.get("data").cloned().unwrap_or(Value::Null), errors })
    }

    /// One POST on its own connection: the status and the whole body.
    async fn post(&self, body: String) -> Result<(StatusCode, Bytes), ClientError> {
        let endpoint = &self.endpoint;
        let transport =
            |err: &dyn fmt::Display| ClientError::Transport { url: endpoint.url(), message: err.to_string() };
        let stream = tokio::net::TcpStream::connect((endpoint.host.as_str(), endpoint.port))
            .await
            .map_err(|source| ClientError::Connect { address: endpoint.authority.clone(), source })?;
        let _ = stream.set_nodelay(true);
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| transport(&e))?;
        let connection = tokio::spawn(connection);
        let request = Request::post(endpoint.path.as_str())
            .header(header::HOST, endpoint.authority.as_str())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json")
            .header(header::USER_AGENT, concat!("accessgraph-cli/", env!("CARGO_PKG_VERSION")))
            .header("api-key", self.api_key.as_str())
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| transport(&e))?;
        let response = sender.send_request(request).await.map_err(|e| transport(&e))?;
        let status = response.status();
        let bytes = response.into_body().collect().await.map_err(|e| transport(&e))?.to_bytes();
        drop(sender);
        connection.abort();
        Ok((status, bytes))
    }
}

/// At most 300 characters of a server's text, for a message.
fn cut(text: &str) -> String {
    match text.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let e = Endpoint::parse("http://127.0.0.1:4000").expect("parses");
        assert_eq!((e.host.as_str(), e.port, e.path.as_str()), ("127.0.0.1", 4000, "/graphql"));
        assert_eq!(e.url(), "http://127.0.0.1:4000/graphql");
        let e = Endpoint::parse("http://ag.example.com/api/graphql").expect("parses");
        assert_eq!((e.host.as_str(), e.port, e.path.as_str()), ("ag.example.com", 80, "/api/graphql"));
        let e = Endpoint::parse("localhost:4000").expect("parses");
        assert_eq!((e.host.as_str(), e.port, e.authority.as_str()), ("localhost", 4000, "localhost:4000"));
        let e = Endpoint::parse("http://[::1]:4000/").expect("parses");
        assert_eq!((e.host.as_str(), e.authority.as_str(), e.path.as_str()), ("::1", "[::1]:4000", "/graphql"));
        for bad in ["https://ag.example.com", "ftp://x", "http:///graphql", "not a url"] {
            assert!(matches!(Endpoint::parse(bad), Err(ClientError::Url(_))), "{bad}");
        }
        let err = Endpoint::parse("https://ag.example.com").expect_err("refused");
        assert!(err.to_string().contains("https is not supported"), "{err}");
    }

    #[test]
    fn graphql_errors_read_as_one_message() {
        let errors = [
            json!({ "message": "Not allowed", "path": ["actor", "organization", 0], "extensions": { "errorClass": "FORBIDDEN" } }),
            json!({ "message": "Bad API Key or no API Key provided", "extensions": { "error_code": "BAD_API_KEY" } }),
        ];
        let err = ClientError::GraphQl(errors.iter().map(GraphQlError::from_json).collect());
        assert_eq!(
            err.to_string(),
            "the server refused the request: Not allowed (FORBIDDEN) at actor.organization.0; Bad API Key or no API Key provided (BAD_API_KEY)"
        );
        assert_eq!(err.error_classes(), ["FORBIDDEN", "BAD_API_KEY"]);
    }

    #[test]
    fn keys_are_checked_and_never_shown() {
        assert!(Client::new("http://127.0.0.1:4000", " ").is_err());
        assert!(Client::new("http://127.0.0.1:4000", "NRAK-\nX").is_err());
        let client = Client::new("http://127.0.0.1:4000", "NRAK-SECRET").expect("valid");
        assert!(!format!("{client:?}").contains("SECRET"));
    }
}
