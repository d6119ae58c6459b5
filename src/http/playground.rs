//! The offline GraphiQL playground: `GET /graphiql` (and `GET /graphql` from a browser) and its
//! assets under `/playground/`, all embedded in the binary from `playground/dist/` (built by
//! `playground/build.mjs` from pinned npm packages; see the README). No request leaves the
//! server: the page's Content-Security-Policy allows this origin only.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error_response;
use crate::graphql::error::ErrorClass;

const INDEX: &str = include_str!("../../playground/dist/index.html");

/// `(name, content type, bytes)` of every asset.
const ASSETS: &[(&str, &str, &[u8])] = &[
    ("app.js", "text/javascript; charset=utf-8", include_bytes!("../../playground/dist/app.js")),
    ("app.css", "text/css; charset=utf-8", include_bytes!("../../playground/dist/app.css")),
    ("graphiql.min.js", "text/javascript; charset=utf-8", include_bytes!("../../playground/dist/graphiql.min.js")),
    ("graphiql.min.css", "text/css; charset=utf-8", include_bytes!("../../playground/dist/graphiql.min.css")),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../playground/dist/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../playground/dist/react-dom.production.min.js"),
    ),
    ("LICENSES.txt", "text/plain; charset=utf-8", include_bytes!("../../playground/dist/LICENSES.txt")),
];

/// Scripts and connections to this origin only; GraphiQL's styles are partly inline and its fonts
/// are data URLs.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// The playground page; with introspection off it says so (and GraphiQL does not ask for the
/// schema).
pub fn page(introspection: bool) -> Response {
    let html = INDEX.replace("__INTROSPECTION__", if introspection { "true" } else { "false" });
    let mut response = (StatusCode::OK, html).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

pub(super) async fn asset(Path(file): Path<String>) -> Response {
    let Some((_, content_type, bytes)) = ASSETS.iter().find(|(name, _, _)| *name == file) else {
        return error_response(StatusCode::NOT_FOUND, ErrorClass::NotFound, "No such playground file.");
    };
    let mut response = (StatusCode::OK, *bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    response
}
