//! Checks on a GraphQL document before it runs: its length, how many fields it selects (fragments
//! expanded), how deeply fragments nest, and that a mutation did not come over GET.

use std::collections::{HashMap, HashSet};
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, FragmentDefinition, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::{Name, Positioned};

use super::limits::HttpLimits;

/// Deepest nesting of fields and fragment spreads counted; deeper documents are refused (the
/// parser bounds field nesting, not chains of fragments).
const MAX_NESTING: usize = 128;

/// Why a document is refused before it runs.
#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    QueryTooLong { bytes: usize, max: usize },
    TooManyFields { max: usize },
    TooDeep,
    MutationOverGet,
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::QueryTooLong { bytes, max } => {
                format!("The query is {bytes} bytes long; at most {max} bytes are accepted.")
            }
            Refusal::TooManyFields { max } => format!(
                "The query selects more than {max} fields (aliases and fragment spreads counted); split it into smaller queries."
            ),
            Refusal::TooDeep => format!("The query nests fields and fragments more than {MAX_NESTING} levels deep."),
            Refusal::MutationOverGet => "Mutations are accepted only over POST.".to_owned(),
        }
    }
}

/// Documents parsed lately, by their text: clients (tooling, dashboards, scripts) send the same few
/// documents over and over, and parsing one costs more than the rest of a small request's checks.
/// Only short documents are kept, so the cache stays small whatever clients send.
///
/// With each document it keeps the [`Validation`]s it passed: the operations and variables with
/// which async-graphql's validation rules found it valid. Those rules are a function of the
/// schema, the document, the operation and the variables' values alone, so the same request
/// passes them again; it runs on the schema that checks only what bounds its cost
/// ([`crate::AppState::validated_schema`]).
pub struct ParsedDocuments(Mutex<lru::LruCache<Box<str>, Parsed>>);

struct Parsed {
    document: Arc<ExecutableDocument>,
    /// The latest last, at most [`ParsedDocuments::MAX_VALIDATIONS`].
    validations: Vec<Validation>,
}

/// One request's operation and variables, as validation sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    operation_name: Option<String>,
    /// The variables as JSON (empty when there are none).
    variables: String,
}

impl Validation {
    /// Variables longer than this as JSON are validated every time.
    const MAX_VARIABLES_BYTES: usize = 1024;

    /// `request`'s operation and variables, unless its document or its variables are too long to
    /// keep.
    pub fn of(request: &async_graphql::Request) -> Option<Validation> {
        if request.query.len() > ParsedDocuments::MAX_CACHED_BYTES {
            return None;
        }
        let variables = if request.variables.is_empty() {
            String::new()
        } else {
            let mut json = Bounded(Vec::new());
            serde_json::to_writer(&mut json, &request.variables).ok()?;
            String::from_utf8(json.0).ok()?
        };
        Some(Validation { operation_name: request.operation_name.clone(), variables })
    }
}

/// A writer that refuses to grow past [`Validation::MAX_VARIABLES_BYTES`].
struct Bounded(Vec<u8>);

impl std::io::Write for Bounded {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + bytes.len() > Validation::MAX_VARIABLES_BYTES {
            return Err(std::io::ErrorKind::FileTooLarge.into());
        }
        self.0.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl ParsedDocuments {
    /// Documents longer than this are parsed every time.
    const MAX_CACHED_BYTES: usize = 4 * 1024;
    const CAPACITY: NonZeroUsize = NonZeroUsize::new(256).expect("non-zero");
    /// Validations kept per document (a script's mutation with different variables each time
    /// keeps replacing its oldest).
    const MAX_VALIDATIONS: usize = 8;

    pub fn new() -> Self {
        ParsedDocuments(Mutex::new(lru::LruCache::new(Self::CAPACITY)))
    }

    /// Gives `request` its parsed document from the cache, or parses it and keeps it.
    fn parse(&self, request: &mut async_graphql::Request) {
        if request.query.len() > Self::MAX_CACHED_BYTES {
            return;
        }
        let cached = self
            .0
            .lock()
            .ok()
            .and_then(|mut cache| cache.get(request.query.as_str()).map(|parsed| parsed.document.clone()));
        match cached {
            Some(document) => request.set_parsed_query(ExecutableDocument::clone(&document)),
            None => {
                if let Ok(document) = request.parsed_query() {
                    let parsed = Parsed { document: Arc::new(document.clone()), validations: Vec::new() };
                    if let Ok(mut cache) = self.0.lock() {
                        cache.put(request.query.as_str().into(), parsed);
                    }
                }
            }
        }
    }

    /// Whether the document `query` passed validation with `validation` before.
    pub fn passed(&self, query: &str, validation: &Validation) -> bool {
        self.0
            .lock()
            .ok()
            .is_some_and(|mut cache| cache.get(query).is_some_and(|parsed| parsed.validations.contains(validation)))
    }

    /// Keeps that the document `query` (if it is kept) passed validation with `validation`.
    pub fn record_passed(&self, query: &str, validation: Validation) {
        let Ok(mut cache) = self.0.lock() else { return };
        let Some(parsed) = cache.get_mut(query) else { return };
        if parsed.validations.contains(&validation) {
            return;
        }
        if parsed.validations.len() >= Self::MAX_VALIDATIONS {
            parsed.validations.remove(0);
        }
        parsed.validations.push(validation);
    }
}

impl Default for ParsedDocuments {
    fn default() -> Self {
        Self::new()
    }
}

/// Checks `request`'s document. A document that does not parse passes: executing it reports the
/// syntax error in GraphQL's usual way. The parsed document is kept in `request`, so it is
/// parsed once.
pub fn check(
    request: &mut async_graphql::Request,
    limits: &HttpLimits,
    parsed: &ParsedDocuments,
    over_get: bool,
) -> Result<(), Refusal> {
    let bytes = request.query.len();
    if bytes > limits.max_query_bytes {
        return Err(Refusal::QueryTooLong { bytes, max: limits.max_query_bytes });
    }
    parsed.parse(request);
    let operation_name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return Ok(());
    };
    let operations = operations_to_run(document, operation_name.as_deref());
    if over_get && operations.iter().any(|op| op.ty == OperationType::Mutation) {
        return Err(Refusal::MutationOverGet);
    }
    let mut counter = FieldCounter { fragments: &document.fragments, memo: HashMap::new(), open: HashSet::new() };
    for operation in operations {
        match counter.selection_set(&operation.selection_set.node, 0) {
            Some(fields) if fields > limits.max_fields => {
                return Err(Refusal::TooManyFields { max: limits.max_fields });
            }
            Some(_) => {}
            None => return Err(Refusal::TooDeep),
        }
    }
    Ok(())
}

/// The operation that will run: the named one, the only one, or (when the choice is ambiguous
/// and execution will fail anyway) every one.
fn operations_to_run<'a>(document: &'a ExecutableDocument, name: Option<&str>) -> Vec<&'a OperationDefinition> {
    match (&document.operations, name) {
        (DocumentOperations::Single(operation), _) => vec![&operation.node],
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.get(name).map(|operation| vec![&operation.node]).unwrap_or_default()
        }
        (DocumentOperations::Multiple(operations), None) => {
            operations.values().map(|operation| &operation.node).collect()
        }
    }
}

/// Counts the fields a selection set selects, each fragment spread counting its fragment's
/// fields (memoized, so the count is linear in the document).
struct FieldCounter<'a> {
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    memo: HashMap<&'a str, usize>,
    /// Fragments being counted: a spread of one of them is a cycle, which validation refuses.
    open: HashSet<&'a str>,
}

impl<'a> FieldCounter<'a> {
    /// `None` when nesting goes deeper than [`MAX_NESTING`].
    fn selection_set(&mut self, set: &'a SelectionSet, depth: usize) -> Option<usize> {
        if depth > MAX_NESTING {
            return None;
        }
        let mut total = 0usize;
        for item in &set.items {
            let count = match &item.node {
                Selection::Field(field) => {
                    1usize.saturating_add(self.selection_set(&field.node.selection_set.node, depth + 1)?)
                }
                Selection::InlineFragment(inline) => self.selection_set(&inline.node.selection_set.node, depth + 1)?,
                Selection::FragmentSpread(spread) => {
                    self.fragment(spread.node.fragment_name.node.as_str(), depth + 1)?
                }
            };
            total = total.saturating_add(count);
        }
        Some(total)
    }

    fn fragment(&mut self, name: &'a str, depth: usize) -> Option<usize> {
        if let Some(&count) = self.memo.get(name) {
            return Some(count);
        }
        let Some(fragment) = self.fragments.get(name) else {
            return Some(0);
        };
        if !self.open.insert(name) {
            return Some(0);
        }
        let count = self.selection_set(&fragment.node.selection_set.node, depth);
        self.open.remove(name);
        let count = count?;
        self.memo.insert(name, count);
        Some(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_fields: usize) -> HttpLimits {
        HttpLimits { max_fields, max_query_bytes: 1 << 20, ..HttpLimits::default() }
    }

    fn run(query: &str, max_fields: usize, over_get: bool) -> Result<(), Refusal> {
        check(&mut async_graphql::Request::new(query), &limits(max_fields), &ParsedDocuments::new(), over_get)
    }

    #[test]
    fn fields_are_counted_with_fragments_expanded() {
        let query = "{ actor { user { ...F ... on User { x } } } a: actor { ...G } } \
                     fragment F on User { a b } fragment G on Actor { ...F }";
        // actor, user, F's a and b, x, a: actor, and G's spread of F's a and b: 8 fields.
        assert_eq!(run(query, 8, false), Ok(()));
        assert_eq!(run(query, 7, false), Err(Refusal::TooManyFields { max: 7 }));
    }

    #[test]
    fn aliases_of_typename_count() {
        let query = format!("{{ {} }}", (0..11).map(|i| format!("a{i}: __typename")).collect::<Vec<_>>().join(" "));
        assert_eq!(run(&query, 10, false), Err(Refusal::TooManyFields { max: 10 }));
    }

    #[test]
    fn fragment_chains_are_bounded() {
        let mut query = String::from("{ ...F0 }");
        for i in 0..200 {
            query.push_str(&format!(" fragment F{i} on RootQueryType {{ ...F{} }}", i + 1));
        }
        query.push_str(" fragment F200 on RootQueryType { __typename }");
        assert_eq!(run(&query, 1_000, false), Err(Refusal::TooDeep));
    }

    #[test]
    fn cycles_do_not_loop() {
        assert_eq!(
            run("{ ...A } fragment A on RootQueryType { x ...B } fragment B on RootQueryType { ...A }", 10, false),
            Ok(())
        );
    }

    #[test]
    fn mutations_over_get_are_refused() {
        assert_eq!(run("mutation { x }", 10, true), Err(Refusal::MutationOverGet));
        assert_eq!(run("mutation { x }", 10, false), Ok(()));
        assert_eq!(run("query Q { x } mutation M { x }", 10, true), Err(Refusal::MutationOverGet));
        let mut named = async_graphql::Request::new("query Q { x } mutation M { x }").operation_name("Q");
        assert_eq!(check(&mut named, &limits(10), &ParsedDocuments::new(), true), Ok(()));
    }

    #[test]
    fn long_queries_are_refused_before_parsing() {
        let limits = HttpLimits { max_query_bytes: 10, ..HttpLimits::default() };
        let mut request = async_graphql::Request::new("{ __typename }");
        assert_eq!(
            check(&mut request, &limits, &ParsedDocuments::new(), false),
            Err(Refusal::QueryTooLong { bytes: 14, max: 10 })
        );
    }

    #[test]
    fn validations_are_kept_per_document_operation_and_variables() {
        let parsed = ParsedDocuments::new();
        let text = "query Read($id: ID) { __typename } query Other { __typename }";
        let request = |name: &str, variables: serde_json::Value| {
            async_graphql::Request::new(text)
                .operation_name(name)
                .variables(async_graphql::Variables::from_json(variables))
        };
        let read = request("Read", serde_json::json!({"id": "1"}));
        let validation = Validation::of(&read).expect("short variables");
        // Not kept: the document itself is not cached yet.
        parsed.record_passed(text, validation.clone());
        assert!(!parsed.passed(text, &validation));
        assert!(check(&mut request("Read", serde_json::json!({"id": "1"})), &limits(10), &parsed, false).is_ok());
        parsed.record_passed(text, validation.clone());
        assert!(parsed.passed(text, &validation));
        // Another operation, other variables, another document: not passed.
        for other in [
            request("Other", serde_json::json!({"id": "1"})),
            request("Read", serde_json::json!({"id": "2"})),
            request("Read", serde_json::json!({})),
        ] {
            assert!(!parsed.passed(text, &Validation::of(&other).expect("short")));
        }
        assert!(!parsed.passed("{ __typename }", &validation));
        // Long variables are not kept at all.
        let long = request("Read", serde_json::json!({"id": "x".repeat(Validation::MAX_VARIABLES_BYTES)}));
        assert_eq!(Validation::of(&long), None);
        // A document keeps its latest few.
        for i in 0..ParsedDocuments::MAX_VALIDATIONS {
            let next = Validation::of(&request("Read", serde_json::json!({"id": format!("n{i}")}))).expect("short");
            parsed.record_passed(text, next);
        }
        assert!(!parsed.passed(text, &validation));
        let latest = request("Read", serde_json::json!({"id": format!("n{}", ParsedDocuments::MAX_VALIDATIONS - 1)}));
        assert!(parsed.passed(text, &Validation::of(&latest).expect("short")));
    }

    #[test]
    fn a_cached_document_is_checked_with_each_request_s_own_operation_name() {
        let parsed = ParsedDocuments::new();
        let text = "query Read { __typename } mutation Write { __typename }";
        let request = |name: &str| async_graphql::Request::new(text).operation_name(name);
        assert_eq!(check(&mut request("Read"), &limits(10), &parsed, true), Ok(()));
        assert_eq!(parsed.0.lock().map(|cache| cache.len()).ok(), Some(1));
        // The second request takes the document from the cache, and still its own operation.
        let mut write = request("Write");
        assert_eq!(check(&mut write, &limits(10), &parsed, true), Err(Refusal::MutationOverGet));
        assert!(write.parsed_query().is_ok());
        assert_eq!(check(&mut request("Write"), &limits(10), &parsed, false), Ok(()));
        // Documents that do not parse are not kept.
        assert!(check(&mut async_graphql::Request::new("{ broken"), &limits(10), &parsed, false).is_ok());
        assert_eq!(parsed.0.lock().map(|cache| cache.len()).ok(), Some(1));
    }
}
