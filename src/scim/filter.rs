//! SCIM filters and PATCH paths (RFC 7644 §3.4.2.2 and §3.5.2): a small recursive-descent parser.
//!
//! `filter = attrPath "pr" / attrPath compareOp compValue / filter ("and" / "or") filter /
//! "not" "(" filter ")" / "(" filter ")" / attrPath "[" filter "]"`, with `not` binding tighter
//! than `and`, and `and` tighter than `or`. Attribute names and operators are case-insensitive;
//! attribute paths are returned in lower case without the core schema's URN prefix.
//! No maintained Rust crate for SCIM filters was available offline, so this is the grammar.

use serde_json::Value;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

impl CompareOp {
    fn parse(word: &str) -> Option<CompareOp> {
        Some(match word.to_ascii_lowercase().as_str() {
            "eq" => CompareOp::Eq,
            "ne" => CompareOp::Ne,
            "co" => CompareOp::Co,
            "sw" => CompareOp::Sw,
            "ew" => CompareOp::Ew,
            "gt" => CompareOp::Gt,
            "ge" => CompareOp::Ge,
            "lt" => CompareOp::Lt,
            "le" => CompareOp::Le,
            _ => return None,
        })
    }
}

/// A parsed filter. Attribute paths are lower case, e.g. `username`, `emails.value`,
/// `name.givenname`, `urn:...:newrelic:2.0:user:nrusertype`.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    Compare {
        attr: String,
        op: CompareOp,
        value: Value,
    },
    Present(String),
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `attr[filter]`: some value of the multi-valued `attr` matches `filter` (whose paths are
    /// sub-attributes, such as `value` or `type`).
    ValuePath {
        attr: String,
        filter: Box<Filter>,
    },
}

/// Why a filter or path was refused (SCIM's `invalidFilter` / `invalidPath`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

const CORE_PREFIXES: &[&str] =
    &["urn:ietf:params:scim:schemas:core:2.0:user:", "urn:ietf:params:scim:schemas:core:2.0:group:"];

/// An attribute path without a core schema URN, in its own case (for names written back).
pub fn strip_core_prefix(path: &str) -> &str {
    for prefix in CORE_PREFIXES {
        if path.len() >= prefix.len() && path[..prefix.len()].eq_ignore_ascii_case(prefix) {
            return &path[prefix.len()..];
        }
    }
    path
}

/// An attribute path in lower case, without a core schema URN.
pub fn normalize_attr(path: &str) -> String {
    let lower = path.to_ascii_lowercase();
    for prefix in CORE_PREFIXES {
        if let Some(rest) = lower.strip_prefix(prefix) {
            return rest.to_owned();
        }
    }
    lower
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Value(Value),
    Open,
    Close,
    OpenBracket,
    CloseBracket,
}

fn tokenize(text: &str) -> Result<Vec<Token>, Invalid> {
    let mut tokens = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                tokens.push(Token::Open);
                i += 1;
            }
            ')' => {
                tokens.push(Token::Close);
                i += 1;
            }
            '[' => {
                tokens.push(Token::OpenBracket);
                i += 1;
            }
            ']' => {
                tokens.push(Token::CloseBracket);
                i += 1;
            }
            '"' => {
                // A JSON string: find its end, honouring escapes, and let serde decode it.
                let start = i;
                i += 1;
                let mut closed = false;
                while i < chars.len() {
                    match chars[i] {
                        '\\' => i += 2,
                        '"' => {
                            closed = true;
                            i += 1;
                            break;
                        }
                        _ => i += 1,
                    }
                }
                if !closed {
                    return Err(Invalid("A string in the filter is not closed".into()));
                }
                let literal: String = chars[start..i].iter().collect();
                let value: String = serde_json::from_str(&literal)
                    .map_err(|_| Invalid("A string in the filter is not valid".into()))?;
                tokens.push(Token::Value(Value::String(value)));
            }
            _ => {
                let start = i;
                while i < chars.len() && !matches!(chars[i], ' ' | '\t' | '\n' | '\r' | '(' | ')' | '[' | ']' | '"') {
                    i += 1;
                }
                tokens.push(Token::Word(chars[start..i].iter().collect()));
            }
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

fn is_attr_path(word: &str) -> bool {
    let first = word.chars().next();
    first.is_some_and(|c| c.is_ascii_alphabetic() || c == '$')
        && word.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '_' | '-' | '$'))
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        matches!(self.peek(), Some(Token::Word(w)) if w.eq_ignore_ascii_case(keyword))
    }

    fn or(&mut self) -> Result<Filter, Invalid> {
        let mut left = self.and()?;
        while self.peek_keyword("or") {
            self.at += 1;
            let right = self.and()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Filter, Invalid> {
        let mut left = self.unary()?;
        while self.peek_keyword("and") {
            self.at += 1;
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter, Invalid> {
        if self.peek_keyword("not") && matches!(self.tokens.get(self.at + 1), Some(Token::Open)) {
            self.at += 1;
            return Ok(Filter::Not(Box::new(self.unary()?)));
        }
        match self.next() {
            Some(Token::Open) => {
                let inner = self.or()?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(Invalid("A parenthesis in the filter is not closed".into())),
                }
            }
            Some(Token::Word(word)) if is_attr_path(&word) => {
                let attr = normalize_attr(&word);
                if matches!(self.peek(), Some(Token::OpenBracket)) {
                    self.at += 1;
                    let inner = self.or()?;
                    if self.next() != Some(Token::CloseBracket) {
                        return Err(Invalid("A bracket in the filter is not closed".into()));
                    }
                    return Ok(Filter::ValuePath { attr, filter: Box::new(inner) });
                }
                let op = match self.next() {
                    Some(Token::Word(op)) => op,
                    _ => return Err(Invalid(format!("An operator is missing after {word}"))),
                };
                if op.eq_ignore_ascii_case("pr") {
                    return Ok(Filter::Present(attr));
                }
                let op = CompareOp::parse(&op).ok_or_else(|| Invalid(format!("Unknown operator {op}")))?;
                let value = match self.next() {
                    Some(Token::Value(value)) => value,
                    Some(Token::Word(word)) => match word.as_str() {
                        "true" => Value::Bool(true),
                        "false" => Value::Bool(false),
                        "null" => Value::Null,
                        number => serde_json::from_str::<serde_json::Number>(number)
                            .map(Value::Number)
                            .map_err(|_| Invalid(format!("{number} is not a value: quote strings")))?,
                    },
                    _ => return Err(Invalid(format!("A value is missing after {word}"))),
                };
                Ok(Filter::Compare { attr, op, value })
            }
            _ => Err(Invalid("The filter is not valid SCIM filter syntax".into())),
        }
    }
}

/// Parses a filter.
pub fn parse(text: &str) -> Result<Filter, Invalid> {
    let mut parser = Parser { tokens: tokenize(text)?, at: 0 };
    if parser.tokens.is_empty() {
        return Err(Invalid("The filter is empty".into()));
    }
    let filter = parser.or()?;
    if parser.at != parser.tokens.len() {
        return Err(Invalid("The filter has text after its end".into()));
    }
    Ok(filter)
}

/// A PATCH path: `attrPath`, or `attrPath[filter]` optionally followed by `.subAttr`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// Without the core URN, in the case the client wrote (compare case-insensitively).
    pub attr: String,
    pub filter: Option<Filter>,
    pub sub_attr: Option<String>,
}

pub fn parse_path(text: &str) -> Result<PatchPath, Invalid> {
    let text = text.trim();
    let invalid = || Invalid(format!("The path {text} is not valid"));
    match text.find('[') {
        None => {
            if !is_attr_path(text) {
                return Err(invalid());
            }
            Ok(PatchPath { attr: strip_core_prefix(text).to_owned(), filter: None, sub_attr: None })
        }
        Some(open) => {
            let close = text.rfind(']').ok_or_else(invalid)?;
            let attr = &text[..open];
            if !is_attr_path(attr) || close < open {
                return Err(invalid());
            }
            let filter = parse(&text[open + 1..close])?;
            let rest = &text[close + 1..];
            let sub_attr = match rest.strip_prefix('.') {
                Some(sub) if is_attr_path(sub) => Some(sub.to_owned()),
                Some(_) => return Err(invalid()),
                None if rest.is_empty() => None,
                None => return Err(invalid()),
            };
            Ok(PatchPath { attr: strip_core_prefix(attr).to_owned(), filter: Some(filter), sub_attr })
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cmp(attr: &str, op: CompareOp, value: Value) -> Filter {
        Filter::Compare { attr: attr.into(), op, value }
    }

    #[test]
    fn comparisons_presence_and_case_insensitive_names() {
        assert_eq!(parse(r#"userName eq "Bjensen""#), Ok(cmp("username", CompareOp::Eq, json!("Bjensen"))));
        assert_eq!(parse(r#"USERNAME EQ "a\"b""#), Ok(cmp("username", CompareOp::Eq, json!("a\"b"))));
        assert_eq!(parse("title pr"), Ok(Filter::Present("title".into())));
        assert_eq!(parse("active eq true"), Ok(cmp("active", CompareOp::Eq, json!(true))));
        assert_eq!(parse("x gt 10"), Ok(cmp("x", CompareOp::Gt, json!(10))));
        assert_eq!(
            parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#),
            Ok(cmp("username", CompareOp::Sw, json!("J")))
        );
        assert_eq!(
            parse(r#"emails.value co "@example.com""#),
            Ok(cmp("emails.value", CompareOp::Co, json!("@example.com")))
        );
    }

    #[test]
    fn and_binds_tighter_than_or_and_parentheses_group() {
        let a = || cmp("a", CompareOp::Eq, json!("1"));
        let b = || cmp("b", CompareOp::Eq, json!("2"));
        let c = || Filter::Present("c".into());
        assert_eq!(
            parse(r#"a eq "1" or b eq "2" and c pr"#),
            Ok(Filter::Or(Box::new(a()), Box::new(Filter::And(Box::new(b()), Box::new(c())))))
        );
        assert_eq!(
            parse(r#"(a eq "1" or b eq "2") and c pr"#),
            Ok(Filter::And(Box::new(Filter::Or(Box::new(a()), Box::new(b()))), Box::new(c())))
        );
        assert_eq!(parse(r#"not (a eq "1")"#), Ok(Filter::Not(Box::new(a()))));
    }

    #[test]
    fn value_paths() {
        assert_eq!(
            parse(r#"emails[type eq "work" and value co "@x.com"]"#),
            Ok(Filter::ValuePath {
                attr: "emails".into(),
                filter: Box::new(Filter::And(
                    Box::new(cmp("type", CompareOp::Eq, json!("work"))),
                    Box::new(cmp("value", CompareOp::Co, json!("@x.com")))
                ))
            })
        );
        let path = parse_path(r#"members[value eq "2819c223"]"#).expect("a path");
        assert_eq!(path.attr, "members");
        assert_eq!(path.filter, Some(cmp("value", CompareOp::Eq, json!("2819c223"))));
        let path = parse_path(r#"emails[type eq "work"].value"#).expect("a path");
        assert_eq!(path.sub_attr.as_deref(), Some("value"));
        assert_eq!(parse_path("name.givenName").map(|p| p.attr), Ok("name.givenName".into()));
    }

    #[test]
    fn malformed_filters_are_refused() {
        for bad in [
            "",
            "userName",
            r#"userName eq"#,
            r#"userName zz "x""#,
            r#"userName eq "x"#,
            r#"(userName eq "x""#,
            r#"userName eq "x" and"#,
            r#"userName eq x"#,
            r#"userName eq "x" "y""#,
            r#"emails[type eq "work""#,
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(parse_path("members[").is_err());
        assert!(parse_path("a b").is_err());
    }
}
