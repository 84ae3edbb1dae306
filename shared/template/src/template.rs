//! Reading template.yaml: the HTTP API routes of each function, the tables, the environment
//! variables that name the tables, and the API's CORS configuration.

use serde_yaml::Value;
use std::path::Path;

/// The route key of the HTTP API's catch-all route (an HttpApi event without Path and Method).
pub const DEFAULT_ROUTE: &str = "$default";

/// A route of the HTTP API: `GET /api/projects/{projectId}/feedback`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub method: String,
    pub path: String,
}

impl Route {
    /// The API Gateway route key, `METHOD /path`.
    pub fn key(&self) -> String {
        if self.path == DEFAULT_ROUTE {
            return DEFAULT_ROUTE.to_owned();
        }
        format!("{} {}", self.method, self.path)
    }
}

/// A function resource and the routes that reach it.
#[derive(Clone, Debug)]
pub struct Function {
    pub logical_id: String,
    /// The cargo binary (`Metadata.BuildProperties.Binary`).
    pub binary: String,
    pub routes: Vec<Route>,
    /// Tables (logical ids) whose DynamoDB stream invokes the function.
    pub streams: Vec<String>,
    /// Schedule expressions (`cron(0 2 * * ? *)`) that invoke the function.
    pub schedules: Vec<String>,
}

/// A table resource.
#[derive(Clone, Debug)]
pub struct Table {
    pub logical_id: String,
    pub properties: Value,
}

/// What the local stack needs from template.yaml.
#[derive(Clone, Debug)]
pub struct Template {
    pub functions: Vec<Function>,
    pub tables: Vec<Table>,
    /// Environment variable → table logical id (`ACCOUNTS_TABLE` → `AccountsTable`).
    pub table_variables: Vec<(String, String)>,
    /// The HttpApi's `CorsConfiguration`, if any.
    pub cors: Option<Value>,
}

/// The repository's template.yaml, read into the binary at build time (so tools, tests and the
/// fallback function carry the very routes they were built with).
pub const TEMPLATE_YAML: &str = include_str!("../../../template.yaml");

impl Template {
    /// Reads and interprets template.yaml.
    pub fn load(path: &Path) -> Result<Template, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Template::parse(&text)
    }

    /// The repository's template.yaml, as built in.
    pub fn load_default() -> Result<Template, String> {
        Template::parse(TEMPLATE_YAML)
    }

    /// Interprets the text of a template.
    pub fn parse(text: &str) -> Result<Template, String> {
        let doc: Value = serde_yaml::from_str(text).map_err(|e| format!("template.yaml is not valid YAML: {e}"))?;
        let resources = doc.get("Resources").and_then(Value::as_mapping).ok_or("template.yaml has no Resources")?;
        let mut template = Template { functions: vec![], tables: vec![], table_variables: vec![], cors: None };
        for (id, resource) in resources {
            let id = id.as_str().ok_or("a resource id is not a string")?.to_owned();
            let kind = resource.get("Type").and_then(Value::as_str).unwrap_or_default();
            let properties = resource.get("Properties").cloned().unwrap_or(Value::Null);
            match kind {
                "AWS::Serverless::Function" => template.functions.push(function(&id, resource, &properties)?),
                "AWS::DynamoDB::Table" => template.tables.push(Table { logical_id: id, properties }),
                "AWS::Serverless::HttpApi" => {
                    template.cors = properties.get("CorsConfiguration").map(|cors| with_parameter_defaults(cors, &doc))
                }
                _ => {}
            }
        }
        let variables = doc
            .get("Globals")
            .and_then(|g| g.get("Function"))
            .and_then(|f| f.get("Environment"))
            .and_then(|e| e.get("Variables"));
        for (name, value) in variables.and_then(Value::as_mapping).into_iter().flatten() {
            if let (Some(name), Some(target)) = (name.as_str(), reference(value)) {
                if template.tables.iter().any(|t| t.logical_id == target) {
                    template.table_variables.push((name.to_owned(), target));
                }
            }
        }
        Ok(template)
    }

    /// Every route of the HTTP API with the binary that serves it.
    pub fn routes(&self) -> impl Iterator<Item = (&Route, &Function)> {
        self.functions.iter().flat_map(|f| f.routes.iter().map(move |r| (r, f)))
    }
}

fn function(id: &str, resource: &Value, properties: &Value) -> Result<Function, String> {
    let binary = resource
        .get("Metadata")
        .and_then(|m| m.get("BuildProperties"))
        .and_then(|b| b.get("Binary"))
        .and_then(Value::as_str)
        .ok_or_else(|| format!("function {id} has no Metadata.BuildProperties.Binary"))?;
    let mut routes = vec![];
    let mut streams = vec![];
    let mut schedules = vec![];
    for (_, event) in properties.get("Events").and_then(Value::as_mapping).into_iter().flatten() {
        if event.get("Type").and_then(Value::as_str) == Some("DynamoDB") {
            let stream = event.get("Properties").and_then(|p| p.get("Stream"));
            let table = stream
                .and_then(attribute_target)
                .ok_or_else(|| format!("a DynamoDB event of {id} has no Stream: !GetAtt <Table>.StreamArn"))?;
            streams.push(table);
            continue;
        }
        if matches!(event.get("Type").and_then(Value::as_str), Some("Schedule" | "ScheduleV2")) {
            let expression =
                event.get("Properties").and_then(|p| p.get("Schedule").or_else(|| p.get("ScheduleExpression")));
            schedules.push(
                expression
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("a schedule event of {id} has no schedule expression"))?
                    .to_owned(),
            );
            continue;
        }
        if event.get("Type").and_then(Value::as_str) != Some("HttpApi") {
            continue;
        }
        let props = event.get("Properties").ok_or_else(|| format!("an HttpApi event of {id} has no Properties"))?;
        match (props.get("Path").and_then(Value::as_str), props.get("Method").and_then(Value::as_str)) {
            (Some(path), Some(method)) => {
                routes.push(Route { method: method.to_ascii_uppercase(), path: path.to_owned() })
            }
            // Neither: the HTTP API's `$default` route, which answers whatever no route matches.
            (None, None) => routes.push(Route { method: "ANY".to_owned(), path: DEFAULT_ROUTE.to_owned() }),
            _ => return Err(format!("an HttpApi event of {id} names only one of Path and Method")),
        }
    }
    Ok(Function { logical_id: id.to_owned(), binary: binary.to_owned(), routes, streams, schedules })
}

/// The resource of `!GetAtt X.StreamArn` (or `{Fn::GetAtt: [X, StreamArn]}`).
fn attribute_target(value: &Value) -> Option<String> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "GetAtt" => tagged.value.as_str()?.split('.').next().map(str::to_owned),
        Value::Mapping(map) => map.get("Fn::GetAtt")?.as_sequence()?.first()?.as_str().map(str::to_owned),
        _ => None,
    }
}

/// `cors` with each field that is `!Ref <Parameter>` replaced by the parameter's default, a list
/// when the parameter is a `CommaDelimitedList` (`AllowOrigins: !Ref AllowedOrigins`): locally,
/// the stack runs as deployed with no parameter overridden.
fn with_parameter_defaults(cors: &Value, doc: &Value) -> Value {
    let mut cors = cors.clone();
    for (_, field) in cors.as_mapping_mut().into_iter().flatten() {
        let Some(parameter) = reference(field).and_then(|name| doc.get("Parameters")?.get(name.as_str()).cloned())
        else {
            continue;
        };
        let default = parameter.get("Default").and_then(Value::as_str).unwrap_or_default();
        *field = if parameter.get("Type").and_then(Value::as_str) == Some("CommaDelimitedList") {
            Value::Sequence(default.split(',').map(|item| Value::String(item.trim().to_owned())).collect())
        } else {
            Value::String(default.to_owned())
        };
    }
    cors
}

/// The target of `!Ref X` (or `{Ref: X}`).
fn reference(value: &Value) -> Option<String> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str().map(str::to_owned),
        Value::Mapping(map) => map.get("Ref").and_then(Value::as_str).map(str::to_owned),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_repository_template() {
        let template = Template::load_default().unwrap();
        assert!(template.tables.len() >= 6);
        // The six tables of SPEC §5 and the webhooks table.
        assert_eq!(template.table_variables.len(), 7, "{:?}", template.table_variables);
        let feedback = template.functions.iter().find(|f| f.binary == "feedback").unwrap();
        assert!(feedback
            .routes
            .contains(&Route { method: "POST".into(), path: "/api/projects/{projectId}/feedback".into() }));
        let origins = template.cors.as_ref().and_then(|c| c.get("AllowOrigins")).and_then(Value::as_sequence);
        assert_eq!(origins.map(|o| o.as_slice()), Some(&[Value::String("*".into())][..]), "AllowedOrigins' default");
        let cleanup = template.functions.iter().find(|f| f.binary == "project-cleanup").unwrap();
        assert_eq!(cleanup.streams, ["ProjectsTable"]);
    }
}
