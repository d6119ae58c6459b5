//! `schema.graphql` is the SDL the code generates.

#[test]
fn schema_graphql_is_up_to_date() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    let generated = accessgraph::graphql::sdl();
    assert!(
        checked_in == generated,
        "schema.graphql differs from the code; regenerate it with `cargo run -q -- schema > schema.graphql`"
    );
}
