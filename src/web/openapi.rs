//! The OpenAPI documents Hearth serves about itself.
//!
//! `openapi/api_v1.json` describes Hearth's own JSON API (`/api/v1/...`): it is
//! written by hand from the handlers and checked against the real router by
//! `tests/integration/openapi.rs`, so a route or parameter added without it
//! fails the tests. This module only serves the documents; the routes are in
//! [`super::router`].

use axum::http::header;
use axum::response::IntoResponse;

/// The OpenAPI 3.1 document of `/api/v1/`, as served.
pub(crate) const API_V1: &str = include_str!("openapi/api_v1.json");

/// `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of Hearth's own JSON API.
pub async fn api_v1_openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], API_V1)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::API_V1;

    fn document() -> Value {
        serde_json::from_str(API_V1).expect("openapi/api_v1.json is JSON")
    }

    /// Every `$ref` string in `value`, with where it was found.
    fn refs<'a>(value: &'a Value, at: String, found: &mut Vec<(String, &'a str)>) {
        match value {
            Value::Object(map) => {
                for (key, inner) in map {
                    match (key.as_str(), inner) {
                        ("$ref", Value::String(target)) => found.push((at.clone(), target)),
                        _ => refs(inner, format!("{at}/{key}"), found),
                    }
                }
            }
            Value::Array(items) => {
                for (i, inner) in items.iter().enumerate() {
                    refs(inner, format!("{at}/{i}"), found);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn is_openapi_3_1_with_the_title_servers_and_bearer_scheme() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(doc["info"]["title"], "Hearth API");
        assert!(doc["info"]["version"].is_string());
        assert_eq!(doc["servers"][0]["url"], "/");
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
    }

    #[test]
    fn every_ref_resolves_inside_the_document() {
        let doc = document();
        let mut found = Vec::new();
        refs(&doc, String::new(), &mut found);
        assert!(!found.is_empty(), "the document uses components");
        for (at, target) in found {
            let pointer = target
                .strip_prefix('#')
                .unwrap_or_else(|| panic!("{at}: {target} is not a reference inside the document"));
            assert!(
                doc.pointer(pointer).is_some(),
                "{at}: {target} names nothing in the document"
            );
        }
    }

    #[test]
    fn every_operation_has_an_id_and_a_response() {
        let doc = document();
        let paths = doc["paths"].as_object().expect("paths is an object");
        assert!(!paths.is_empty());
        let mut ids = std::collections::BTreeSet::new();
        for (path, item) in paths {
            assert!(path.starts_with("/api/v1/"), "{path} is not under /api/v1/");
            let item = item.as_object().expect("a path item is an object");
            assert!(!item.is_empty(), "{path} has no operations");
            for (method, operation) in item {
                assert!(
                    ["get", "post", "put", "patch", "delete"].contains(&method.as_str()),
                    "{method} {path}: not an HTTP method Hearth routes"
                );
                let id = operation["operationId"]
                    .as_str()
                    .filter(|id| !id.is_empty())
                    .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
                assert!(ids.insert(id.to_owned()), "operationId {id} is used twice");
                let responses = operation["responses"]
                    .as_object()
                    .unwrap_or_else(|| panic!("{method} {path} has no responses"));
                assert!(!responses.is_empty(), "{method} {path} has no responses");
                for requirement in operation["security"].as_array().into_iter().flatten() {
                    for scheme in requirement
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|(k, _)| k)
                    {
                        assert!(
                            doc["components"]["securitySchemes"].get(scheme).is_some(),
                            "{method} {path}: no security scheme {scheme}"
                        );
                    }
                }
                for role in operation["x-hearth-roles"].as_array().into_iter().flatten() {
                    let code = role.as_str().unwrap_or_default();
                    assert!(
                        crate::model::Role::parse(code).is_some_and(|r| r.code() == code),
                        "{method} {path}: {role} is not a role"
                    );
                }
            }
        }
    }

    #[test]
    fn path_parameters_match_the_path_template() {
        let doc = document();
        let paths = doc["paths"].as_object().expect("paths is an object");
        for (path, item) in paths {
            let mut in_template: Vec<&str> = path
                .split('/')
                .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
                .collect();
            in_template.sort_unstable();
            for (method, operation) in item.as_object().expect("a path item is an object") {
                let mut declared: Vec<&str> = operation["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "path")
                    .filter_map(|p| p["name"].as_str())
                    .collect();
                declared.sort_unstable();
                assert_eq!(declared, in_template, "{method} {path}");
            }
        }
    }
}
