//! Checks the `sam local invoke` recipe against template.yaml. SAM only passes a function the
//! variables from `--env-vars` (infra/sam-local-env.json) that the template declares for it, and
//! drops the rest without a word, so a variable the template forgets (the DynamoDB endpoint, once)
//! silently points the function at real AWS.

use serde_json::Value as Json;
use serde_yaml::Value as Yaml;
use std::collections::BTreeSet;

/// The variables an env-vars file sets, in any section.
pub fn variables(env_vars_json: &str) -> Result<BTreeSet<String>, String> {
    let recipe: Json =
        serde_json::from_str(env_vars_json).map_err(|e| format!("the env-vars file is not JSON: {e}"))?;
    let sections = recipe.as_object().ok_or("the env-vars file is not an object")?;
    Ok(sections.values().filter_map(Json::as_object).flat_map(|v| v.keys().cloned()).collect())
}

/// The `section.VARIABLE`s an env-vars file sets that the template does not declare: under
/// `Parameters` (every function) the variable must be in `Globals.Function`; under a function's
/// logical id, in the globals or that function's own.
pub fn undeclared(template_yaml: &str, env_vars_json: &str) -> Result<Vec<String>, String> {
    let template: Yaml = serde_yaml::from_str(template_yaml).map_err(|e| format!("template.yaml is not YAML: {e}"))?;
    let recipe: Json =
        serde_json::from_str(env_vars_json).map_err(|e| format!("the env-vars file is not JSON: {e}"))?;
    let declared = |holder: Option<&Yaml>| -> BTreeSet<String> {
        let variables = holder.and_then(|h| h.get("Environment")).and_then(|e| e.get("Variables"));
        variables
            .and_then(Yaml::as_mapping)
            .into_iter()
            .flatten()
            .filter_map(|(k, _)| k.as_str().map(str::to_owned))
            .collect()
    };
    let global = declared(template.get("Globals").and_then(|g| g.get("Function")));
    let mut undeclared = vec![];
    for (section, variables) in recipe.as_object().ok_or("the env-vars file is not an object")? {
        let mut allowed = global.clone();
        if section != "Parameters" {
            let function = template.get("Resources").and_then(|r| r.get(section.as_str()));
            allowed.extend(declared(function.and_then(|f| f.get("Properties"))));
        }
        let names = variables.as_object().map(|v| v.keys().collect::<Vec<_>>()).unwrap_or_default();
        undeclared
            .extend(names.into_iter().filter(|name| !allowed.contains(*name)).map(|name| format!("{section}.{name}")));
    }
    Ok(undeclared)
}
