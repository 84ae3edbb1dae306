//! Configuration: the table names, from the environment (set by template.yaml when deployed, by
//! the local stack when run here).

/// The names of the six tables of SPEC §5.
#[derive(Clone, Debug)]
pub struct Tables {
    pub accounts: String,
    pub keys: String,
    pub usage: String,
    pub projects: String,
    pub feedback: String,
    pub surveys: String,
}

/// The environment variable that names each table, as template.yaml sets them.
pub const TABLE_VARIABLES: [&str; 6] =
    ["ACCOUNTS_TABLE", "KEYS_TABLE", "USAGE_TABLE", "PROJECTS_TABLE", "FEEDBACK_TABLE", "SURVEYS_TABLE"];

impl Tables {
    /// Builds the names with `lookup(variable)` for each of [`TABLE_VARIABLES`].
    pub fn from_lookup(mut lookup: impl FnMut(&str) -> Option<String>) -> Result<Self, String> {
        let mut get = |name: &str| lookup(name).ok_or_else(|| format!("environment variable {name} is not set"));
        Ok(Self {
            accounts: get("ACCOUNTS_TABLE")?,
            keys: get("KEYS_TABLE")?,
            usage: get("USAGE_TABLE")?,
            projects: get("PROJECTS_TABLE")?,
            feedback: get("FEEDBACK_TABLE")?,
            surveys: get("SURVEYS_TABLE")?,
        })
    }

    /// Reads the names from the process environment.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}
