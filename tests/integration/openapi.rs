//! The OpenAPI document of `/api/v1/` (`src/web/openapi/api_v1.json`) against
//! the real router, so that the two cannot drift apart: every documented
//! operation is routed and answers as documented (status, content type, body
//! schema), every `/api/v1/` route in the route table is documented, every
//! documented query parameter is accepted (and an undocumented one refused
//! where the handler refuses unknown ones), required parameters are required,
//! and the documented security and roles are what the handlers enforce.

use std::collections::{BTreeMap, BTreeSet};

use axum::http::{HeaderMap, StatusCode};
use hearth::model::Role;
use serde_json::{Value, json};

use crate::common::{MADE_UP_HOTLINE, MADE_UP_LEGAL_LINE, TestApp, enc, user_with_token};

/// The document as the handler serves it (`hearth::web::openapi` is private).
const DOCUMENT: &str = include_str!("../../src/web/openapi/api_v1.json");
/// The route table's source: the routes the document must cover.
const ROUTE_TABLE: &str = include_str!("../../src/web/mod.rs");

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

// ---- reading the route table ---------------------------------------------------

/// The text of the call that opens at `open` (the index of its `(`), up to its
/// matching `)`, skipping parentheses inside string literals.
fn call_text(source: &str, open: usize) -> Option<&str> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in source[open..].char_indices() {
        if in_string {
            match (escaped, c) {
                (true, _) => escaped = false,
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&source[open + 1..open + i]);
                }
            }
            _ => {}
        }
    }
    None
}

/// The HTTP methods a route's method router names: `get(..)`, `.post(..)`, …
fn methods_in(route: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for method in METHODS {
        let call = format!("{method}(");
        for (at, _) in route.match_indices(&call) {
            let before = route[..at].chars().next_back();
            let starts_a_name =
                before.is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == ':'));
            if starts_a_name {
                found.insert(method.to_owned());
            }
        }
    }
    found
}

/// Every `(path, method)` that `.route("/api/v1/...", ...)` calls in `source` route.
fn api_routes(source: &str) -> BTreeSet<(String, String)> {
    let mut routes = BTreeSet::new();
    for (at, _) in source.match_indices(".route(") {
        let Some(call) = call_text(source, at + ".route".len()) else {
            continue;
        };
        let Some(path) = call.split('"').nth(1) else {
            continue;
        };
        if !path.starts_with("/api/v1/") {
            continue;
        }
        let rest = call.split_once(',').map_or("", |(_, rest)| rest);
        for method in methods_in(rest) {
            routes.insert((path.to_owned(), method));
        }
    }
    routes
}

#[test]
fn the_route_table_reader_finds_routes_however_they_are_written() {
    let source = r#"
        .route("/", get(handlers::search_page))
        .route("/api/v1/a/{id}", get(handlers::api_a))
        .route("/api/v1/b", get(b::list).post(b::create))
        .route(
            "/api/v1/c",
            post(c::submit).layer(axum::extract::DefaultBodyLimit::max(c::MAX)),
        )
        .route("/api/v1/d", post(d::forget(x)))
        .route("/login", get(account::login_page).post(account::login))
    "#;
    let found: Vec<(String, String)> = api_routes(source).into_iter().collect();
    let expected: Vec<(String, String)> = [
        ("/api/v1/a/{id}", "get"),
        ("/api/v1/b", "get"),
        ("/api/v1/b", "post"),
        ("/api/v1/c", "post"),
        ("/api/v1/d", "post"),
    ]
    .iter()
    .map(|(p, m)| ((*p).to_owned(), (*m).to_owned()))
    .collect();
    assert_eq!(found, expected);
}

// ---- reading the document --------------------------------------------------------

fn document() -> Value {
    serde_json::from_str(DOCUMENT).expect("api_v1.json is JSON")
}

/// Follows a `$ref` (possibly several) to what it names.
fn resolve<'a>(doc: &'a Value, value: &'a Value) -> &'a Value {
    let mut value = value;
    while let Some(target) = value.get("$ref").and_then(Value::as_str) {
        let pointer = target
            .strip_prefix('#')
            .expect("references stay in the document");
        value = doc
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{target} names nothing"));
    }
    value
}

/// One documented operation.
struct Operation {
    path: String,
    method: String,
    spec: Value,
}

impl Operation {
    fn name(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }

    fn parameters<'a>(&'a self, doc: &'a Value, place: &str) -> Vec<&'a Value> {
        self.spec["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|p| resolve(doc, p))
            .filter(|p| p["in"] == place)
            .collect()
    }

    /// Whether the operation may be called with no credentials.
    fn public(&self) -> bool {
        let security = self.spec["security"]
            .as_array()
            .expect("every operation states its security");
        security.is_empty()
            || security
                .iter()
                .any(|s| s.as_object().is_some_and(|o| o.is_empty()))
    }

    /// The roles it allows, when it names them.
    fn roles(&self) -> Option<BTreeSet<String>> {
        self.spec["x-hearth-roles"].as_array().map(|roles| {
            roles
                .iter()
                .map(|r| r.as_str().expect("a role is a string").to_owned())
                .collect()
        })
    }

    fn body_example(&self) -> Option<&Value> {
        self.spec
            .pointer("/requestBody/content/application~1json/example")
    }
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, spec) in item.as_object().expect("a path item") {
            out.push(Operation {
                path: path.clone(),
                method: method.clone(),
                spec: spec.clone(),
            });
        }
    }
    out
}

/// A parameter's example as query text (a list is comma-separated).
fn query_value(example: &Value) -> String {
    match example {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(query_value).collect::<Vec<_>>().join(","),
        other => other.to_string(),
    }
}

fn query_string(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

// ---- a small JSON Schema check (the subset the document uses) --------------------

fn type_matches(value: &Value, name: &str) -> bool {
    match name {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "number" => value.is_number(),
        "integer" => value.is_u64() || value.is_i64(),
        other => panic!("the check does not know the type {other:?}"),
    }
}

/// Every way `value` breaks `schema`, each with where (`at`).
fn check(doc: &Value, schema: &Value, value: &Value, at: &str, problems: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    let alternatives = schema["oneOf"].as_array().or(schema["anyOf"].as_array());
    if let Some(alternatives) = alternatives {
        let fits = alternatives.iter().any(|alt| {
            let mut inner = Vec::new();
            check(doc, alt, value, at, &mut inner);
            inner.is_empty()
        });
        if !fits {
            problems.push(format!("{at}: {value} fits none of the alternatives"));
        }
        return;
    }
    if let Some(types) = schema.get("type") {
        let names: Vec<&str> = match types {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !names.iter().any(|t| type_matches(value, t)) {
            problems.push(format!("{at}: {value} is not {names:?}"));
            return;
        }
    }
    if let Some(allowed) = schema["enum"].as_array()
        && !allowed.contains(value)
    {
        problems.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(constant) = schema.get("const")
        && constant != value
    {
        problems.push(format!("{at}: {value} is not {constant}"));
    }
    if let (Some(n), Some(minimum)) = (value.as_f64(), schema["minimum"].as_f64())
        && n < minimum
    {
        problems.push(format!("{at}: {n} is below {minimum}"));
    }
    if let (Some(n), Some(maximum)) = (value.as_f64(), schema["maximum"].as_f64())
        && n > maximum
    {
        problems.push(format!("{at}: {n} is above {maximum}"));
    }
    if let Some(object) = value.as_object() {
        for name in schema["required"].as_array().into_iter().flatten() {
            let name = name.as_str().expect("a required name is a string");
            if !object.contains_key(name) {
                problems.push(format!("{at}: {name} is missing"));
            }
        }
        let properties = schema["properties"].as_object();
        for (name, inner) in object {
            let where_ = format!("{at}.{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(property) => check(doc, property, inner, &where_, problems),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        problems.push(format!("{where_} is not documented"));
                    }
                    Some(extra @ Value::Object(_)) => check(doc, extra, inner, &where_, problems),
                    // An object documented with properties answers only with them.
                    _ if properties.is_some() => {
                        problems.push(format!("{where_} is not documented"));
                    }
                    _ => {}
                },
            }
        }
    }
    if let (Some(items), Some(schema_items)) = (value.as_array(), schema.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(doc, schema_items, item, &format!("{at}[{i}]"), problems);
        }
    }
}

// ---- a Hearth to call ---------------------------------------------------------------

/// A Hearth with two made-up listings, a user of every role with an API token,
/// a referral and two pending submissions, so every path can be filled with
/// real ids.
struct World {
    app: TestApp,
    /// Role code → API token.
    tokens: BTreeMap<&'static str, String>,
    service_id: String,
    referral_id: String,
    /// Pending submissions: one to approve, one to reject.
    to_approve: String,
    to_reject: String,
}

const ROLES: [(&str, Role); 5] = [
    ("clinician", Role::Clinician),
    ("organization", Role::Organization),
    ("moderator", Role::Moderator),
    ("advocate", Role::Advocate),
    ("admin", Role::Admin),
];

async fn world() -> World {
    let app = TestApp::empty();
    app.import_json(
        "made-up.json",
        &format!("[\n{MADE_UP_LEGAL_LINE},\n{MADE_UP_HOTLINE}\n]"),
    );
    let mut tokens = BTreeMap::new();
    for (code, role) in ROLES {
        let email = format!("{code}@hearth.test");
        tokens.insert(code, user_with_token(&app.state.directory, &email, role));
    }
    let service_id = app
        .state
        .directory
        .services()
        .map(|s| s.expect("a stored listing reads"))
        .find(|s| s.name == "Test Tenant Legal Line")
        .expect("the made-up legal line was imported")
        .id;
    let admin = tokens["admin"].clone();
    let (status, referral) = app
        .api(
            "POST",
            "/api/v1/referrals",
            Some(&admin),
            &json!({"service_id": service_id, "need": "housing-instability"}),
        )
        .await;
    assert_eq!(status, 201, "{referral}");
    let referral_id = referral["id"].as_str().expect("a referral id").to_owned();
    let mut submissions = Vec::new();
    for name in ["Test Saturday Pantry", "Test Sunday Pantry"] {
        let body = json!({
            "name": name,
            "organization": {"name": "Test Food Org"},
            "phones": [{"number": "305-555-0100"}],
        });
        let (status, submitted) = app.api("POST", "/api/v1/submissions", None, &body).await;
        assert_eq!(status, 202, "{submitted}");
        submissions.push(
            submitted["id"]
                .as_str()
                .expect("a submission id")
                .to_owned(),
        );
    }
    let [to_approve, to_reject] = <[String; 2]>::try_from(submissions).expect("two submissions");
    World {
        app,
        tokens,
        service_id,
        referral_id,
        to_approve,
        to_reject,
    }
}

impl World {
    /// The operation's path with its `{id}` filled by a real id.
    fn fill(&self, path: &str) -> String {
        if !path.contains('{') {
            return path.to_owned();
        }
        let id = match path.split('/').nth(3) {
            Some("services") => self.service_id.as_str(),
            Some("referrals") => self.referral_id.as_str(),
            Some("lists") => "mine",
            Some("moderation") if path.ends_with("/approve") => self.to_approve.as_str(),
            Some("moderation") if path.ends_with("/reject") => self.to_reject.as_str(),
            _ => panic!("no real id for {path}: teach World::fill about it"),
        };
        let filled = path.replace("{id}", &enc(id));
        assert!(
            !filled.contains('{'),
            "{path} has a parameter World::fill does not know"
        );
        filled
    }

    /// The documented example body, with its `service_id` made a real one.
    fn body(&self, operation: &Operation) -> Option<Value> {
        let mut body = operation.body_example()?.clone();
        if let Some(object) = body.as_object_mut()
            && object.contains_key("service_id")
        {
            object.insert("service_id".into(), json!(self.service_id));
        }
        Some(body)
    }

    async fn call(
        &self,
        operation: &Operation,
        query: &str,
        token: Option<&str>,
    ) -> (StatusCode, HeaderMap, String) {
        let mut uri = self.fill(&operation.path);
        if !query.is_empty() {
            uri = format!("{uri}?{query}");
        }
        let body = self.body(operation);
        self.app
            .send_bearer(&operation.method.to_uppercase(), &uri, token, body.as_ref())
            .await
    }
}

/// The query of a call that should succeed: the required parameters' examples,
/// plus, for a search, the something-to-search-for that no single parameter requires.
fn baseline(doc: &Value, operation: &Operation) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = operation
        .parameters(doc, "query")
        .into_iter()
        .filter(|p| p["required"] == true)
        .map(|p| {
            let name = p["name"].as_str().expect("a parameter name").to_owned();
            (name, query_value(&p["example"]))
        })
        .collect();
    if operation.path == "/api/v1/search" {
        pairs.push(("q".into(), "legal".into()));
        pairs.push(("near".into(), "33101".into()));
    }
    pairs
}

/// Whether a response is the router's "no such route" rather than a handler's answer.
fn unrouted(status: StatusCode, body: &str) -> bool {
    status == StatusCode::METHOD_NOT_ALLOWED
        || (status == StatusCode::NOT_FOUND && body.contains("There is no page at"))
}

/// What is wrong with a response against the operation's documented responses.
fn against_responses(
    doc: &Value,
    operation: &Operation,
    status: StatusCode,
    headers: &HeaderMap,
    body: &str,
) -> Vec<String> {
    let name = operation.name();
    let Some(documented) = operation.spec["responses"].get(status.as_str()) else {
        return vec![format!(
            "{name}: answered {status}, which is not documented: {body}"
        )];
    };
    let documented = resolve(doc, documented);
    let Some(content) = documented["content"].as_object() else {
        return Vec::new();
    };
    let media = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_owned();
    let Some(media_spec) = content.get(&media) else {
        return vec![format!(
            "{name}: {status} came as {media:?}, documented as {:?}",
            content.keys().collect::<Vec<_>>()
        )];
    };
    if !media.ends_with("json") {
        return Vec::new();
    }
    let value: Value = match serde_json::from_str(body) {
        Ok(value) => value,
        Err(e) => return vec![format!("{name}: {status} is not JSON ({e}): {body}")],
    };
    let mut problems = Vec::new();
    check(
        doc,
        &media_spec["schema"],
        &value,
        &format!("{name} {status}"),
        &mut problems,
    );
    problems
}

fn fail_with(problems: Vec<String>) {
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// ---- the checks -------------------------------------------------------------------

#[test]
fn every_api_route_in_the_route_table_is_documented() {
    let doc = document();
    let routed = api_routes(ROUTE_TABLE);
    assert!(
        routed.len() >= 20,
        "the route table reader found only {routed:?}; has the table changed shape?"
    );
    let documented: BTreeSet<(String, String)> = operations(&doc)
        .into_iter()
        .map(|o| (o.path, o.method))
        .collect();
    let missing: Vec<String> = routed
        .difference(&documented)
        .map(|(path, method)| format!("{} {path}", method.to_uppercase()))
        .collect();
    assert!(
        missing.is_empty(),
        "routed in src/web/mod.rs but not in src/web/openapi/api_v1.json: {missing:?}"
    );
}

#[tokio::test]
async fn every_documented_operation_is_routed_and_answers_as_documented() {
    let doc = document();
    let world = world().await;
    let admin = world.tokens["admin"].clone();
    let mut problems = Vec::new();
    for operation in operations(&doc) {
        let query = query_string(&baseline(&doc, &operation));
        let (status, headers, body) = world.call(&operation, &query, Some(&admin)).await;
        let name = operation.name();
        if unrouted(status, &body) {
            problems.push(format!("{name}: not routed ({status})"));
            continue;
        }
        if !status.is_success() {
            problems.push(format!(
                "{name}: called as documented, answered {status}: {body}"
            ));
        }
        problems.extend(against_responses(&doc, &operation, status, &headers, &body));
    }
    fail_with(problems);
}

#[tokio::test]
async fn the_served_document_is_the_file() {
    let world = world().await;
    let (status, headers, body) = world.app.send("GET", "/api/v1/openapi.json", &[], "").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    assert_eq!(body, DOCUMENT);
}

#[tokio::test]
async fn documented_query_parameters_are_accepted_and_required_ones_required() {
    let doc = document();
    let world = world().await;
    let admin = world.tokens["admin"].clone();
    let mut problems = Vec::new();
    for operation in operations(&doc).into_iter().filter(|o| o.method == "get") {
        let name = operation.name();
        let base = baseline(&doc, &operation);
        for parameter in operation.parameters(&doc, "query") {
            let key = parameter["name"]
                .as_str()
                .expect("a parameter name")
                .to_owned();
            let Some(example) = parameter.get("example") else {
                problems.push(format!("{name}: {key} has no example to try"));
                continue;
            };
            let mut pairs: Vec<(String, String)> =
                base.iter().filter(|(k, _)| *k != key).cloned().collect();
            pairs.push((key.clone(), query_value(example)));
            let query = query_string(&pairs);
            let (status, headers, body) = world.call(&operation, &query, Some(&admin)).await;
            if status != StatusCode::OK {
                problems.push(format!("{name}?{query}: {status}: {body}"));
            } else {
                problems.extend(against_responses(&doc, &operation, status, &headers, &body));
            }
            if parameter["required"] == true {
                let without: Vec<(String, String)> =
                    base.iter().filter(|(k, _)| *k != key).cloned().collect();
                let query = query_string(&without);
                let (status, _, body) = world.call(&operation, &query, Some(&admin)).await;
                if status != StatusCode::BAD_REQUEST {
                    problems.push(format!(
                        "{name}: without the required {key}, answered {status}: {body}"
                    ));
                }
            }
        }
        // Unknown parameters: refused (naming them) where the document says so, ignored elsewhere.
        let mut pairs = base.clone();
        pairs.push(("x_not_documented".into(), "1".into()));
        let query = query_string(&pairs);
        let (status, _, body) = world.call(&operation, &query, Some(&admin)).await;
        let refuses = operation.spec["x-hearth-rejects-unknown-query"] == true;
        match (refuses, status) {
            (true, StatusCode::BAD_REQUEST) if body.contains("x_not_documented") => {}
            (false, StatusCode::OK) => {}
            _ => problems.push(format!(
                "{name}?{query}: documented as {} unknown parameters, answered {status}: {body}",
                if refuses { "refusing" } else { "ignoring" }
            )),
        }
    }
    fail_with(problems);
}

#[tokio::test]
async fn documented_security_and_roles_are_enforced() {
    let doc = document();
    let world = world().await;
    let mut problems = Vec::new();
    for operation in operations(&doc) {
        let name = operation.name();
        let query = query_string(&baseline(&doc, &operation));
        let (status, _, body) = world.call(&operation, &query, None).await;
        if unrouted(status, &body) {
            problems.push(format!("{name}: not routed ({status})"));
            continue;
        }
        match (operation.public(), status) {
            (true, StatusCode::UNAUTHORIZED) => {
                problems.push(format!(
                    "{name}: documented as public, answered 401: {body}"
                ));
            }
            (false, s) if s != StatusCode::UNAUTHORIZED => {
                problems.push(format!("{name}: without credentials, answered {s}: {body}"));
            }
            _ => {}
        }
        let Some(roles) = operation.roles() else {
            continue;
        };
        // Every role: refused when not documented, never refused for its role when documented.
        for (code, _) in ROLES {
            let allowed = roles.contains(code);
            let (status, _, body) = world
                .call(&operation, &query, Some(&world.tokens[code]))
                .await;
            if allowed == (status == StatusCode::FORBIDDEN) {
                problems.push(format!(
                    "{name}: documented for {roles:?}, answered a {code} {status}: {body}"
                ));
            }
        }
    }
    fail_with(problems);
}
