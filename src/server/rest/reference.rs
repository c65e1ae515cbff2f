//! The API's reference page, written from its OpenAPI document: every operation with its
//! parameters, body and answers, then every shape. Plain HTML, no script: nothing to
//! download from elsewhere.

use std::fmt::Write;

use serde_json::Value;

use crate::server::markup::escape;

/// The page for this document (as JSON).
pub fn page(document: &Value) -> String {
    let text = |value: &Value| escape(value.as_str().unwrap_or_default());
    let info = &document["info"];
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} reference</title><style>{STYLE}</style></head><body><main>\
         <h1>{title} {version}</h1><p>{description}</p>\
         <p><a href=\"openapi.json\">OpenAPI 3.1 document</a></p>",
        title = text(&info["title"]),
        version = text(&info["version"]),
        description = text(&info["description"]),
    );
    html.push_str("<h2>Operations</h2>");
    if let Some(paths) = document["paths"].as_object() {
        for (path, item) in paths {
            let Some(operations) = item.as_object() else {
                continue;
            };
            for (method, operation) in operations {
                if !matches!(method.as_str(), "get" | "post" | "put" | "patch" | "delete") {
                    continue;
                }
                operation_html(&mut html, method, path, operation);
            }
        }
    }
    html.push_str("<h2>Shapes</h2>");
    if let Some(schemas) = document["components"]["schemas"].as_object() {
        for (name, schema) in schemas {
            let _ = write!(
                html,
                "<section id=\"schema-{id}\"><h3>{id}</h3>{described}",
                id = escape(name),
                described = described(schema)
            );
            fields_html(&mut html, schema);
            html.push_str("</section>");
        }
    }
    html.push_str("</main></body></html>");
    html
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;color:#1f2933;background:#f5f7fa}\
main{max-width:60rem;margin:0 auto;padding:1rem 1.5rem}section{background:#fff;border:1px solid #d9dee5;\
border-radius:8px;padding:.5rem 1rem;margin:.75rem 0}code{background:#eef2ff;padding:0 .25rem;\
border-radius:4px}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.25rem .5rem;\
border-bottom:1px solid #d9dee5;vertical-align:top}.method{font-weight:700;text-transform:uppercase}\
@media (prefers-color-scheme:dark){body{background:#0f141a;color:#e6edf3}section{background:#161b22;\
border-color:#2d3642}code{background:#1d2740}th,td{border-color:#2d3642}a{color:#7c9cff}}";

fn described(value: &Value) -> String {
    value["description"]
        .as_str()
        .map(|d| format!("<p>{}</p>", escape(d)))
        .unwrap_or_default()
}

/// A schema's type in words, linking to named shapes.
fn type_of(schema: &Value) -> String {
    if let Some(reference) = schema["$ref"].as_str() {
        let name = reference.rsplit('/').next().unwrap_or_default();
        return format!("<a href=\"#schema-{0}\">{0}</a>", escape(name));
    }
    if let Some(options) = schema["oneOf"].as_array() {
        return options.iter().map(type_of).collect::<Vec<_>>().join(" or ");
    }
    let kind = match &schema["type"] {
        Value::String(kind) => kind.clone(),
        Value::Array(kinds) => kinds
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join(" or "),
        _ => String::new(),
    };
    if kind.starts_with("array") {
        return format!("array of {}", type_of(&schema["items"]));
    }
    escape(&kind)
}

fn fields_html(html: &mut String, schema: &Value) {
    let Some(properties) = schema["properties"].as_object() else {
        return;
    };
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    html.push_str(
        "<table><thead><tr><th>Field</th><th>Type</th><th>About</th></tr></thead><tbody>",
    );
    for (name, property) in properties {
        let _ = write!(
            html,
            "<tr><td><code>{}</code>{}</td><td>{}</td><td>{}</td></tr>",
            escape(name),
            if required.contains(&name.as_str()) {
                ""
            } else {
                " (optional)"
            },
            type_of(property),
            escape(property["description"].as_str().unwrap_or_default())
        );
    }
    html.push_str("</tbody></table>");
}

fn operation_html(html: &mut String, method: &str, path: &str, operation: &Value) {
    let _ = write!(
        html,
        "<section><h3><span class=\"method\">{}</span> <code>{}</code></h3>{}{}",
        escape(method),
        escape(path),
        operation["summary"]
            .as_str()
            .map(|s| format!("<p>{}</p>", escape(s)))
            .unwrap_or_default(),
        described(operation)
    );
    if let Some(parameters) = operation["parameters"].as_array().filter(|p| !p.is_empty()) {
        html.push_str("<h4>Parameters</h4><table><thead><tr><th>Name</th><th>In</th><th>Type</th><th>About</th></tr></thead><tbody>");
        for parameter in parameters {
            let _ = write!(
                html,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(parameter["name"].as_str().unwrap_or_default()),
                escape(parameter["in"].as_str().unwrap_or_default()),
                type_of(&parameter["schema"]),
                escape(parameter["description"].as_str().unwrap_or_default())
            );
        }
        html.push_str("</tbody></table>");
    }
    let body = &operation["requestBody"]["content"]["application/json"]["schema"];
    if !body.is_null() {
        let _ = write!(html, "<h4>Body</h4><p>{}</p>", type_of(body));
    }
    if let Some(responses) = operation["responses"].as_object() {
        html.push_str("<h4>Answers</h4><table><tbody>");
        for (status, response) in responses {
            let shape = &response["content"]["application/json"]["schema"];
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(status),
                escape(response["description"].as_str().unwrap_or_default()),
                if shape.is_null() {
                    String::new()
                } else {
                    type_of(shape)
                }
            );
        }
        html.push_str("</tbody></table>");
    }
    html.push_str("</section>");
}
