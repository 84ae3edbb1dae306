//! Configuration: the table names and the few settings a deployment may change, from the
//! environment (set by template.yaml when deployed, by the local stack when run here).

/// The names of the six tables of SPEC §5, and the webhooks table (endpoints and deliveries).
#[derive(Clone, Debug)]
pub struct Tables {
    pub accounts: String,
    pub keys: String,
    pub usage: String,
    pub projects: String,
    pub feedback: String,
    pub surveys: String,
    pub webhooks: String,
}

/// The environment variable that names each table, as template.yaml sets them.
pub const TABLE_VARIABLES: [&str; 7] = [
    "ACCOUNTS_TABLE",
    "KEYS_TABLE",
    "USAGE_TABLE",
    "PROJECTS_TABLE",
    "FEEDBACK_TABLE",
    "SURVEYS_TABLE",
    "WEBHOOKS_TABLE",
];

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
            webhooks: get("WEBHOOKS_TABLE")?,
        })
    }

    /// Reads the names from the process environment.
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }
}

/// What a deployment may tune without a code change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Responses the public survey page takes per client IP per minute
    /// (`SURVEY_RESPONSES_PER_IP_PER_MINUTE`).
    pub survey_responses_per_ip_per_minute: u32,
    /// Failed authentications a client IP may make per minute before further ones answer 429
    /// (`FAILED_AUTH_PER_IP_PER_MINUTE`; see `plans::FAILED_AUTH_PER_IP_PER_MINUTE`).
    pub failed_auth_per_ip_per_minute: u32,
    /// Whether webhooks may go to loopback addresses over plain HTTP (`WEBHOOKS_ALLOW_LOOPBACK`):
    /// only the local stack sets it, so its tests can deliver to a receiver on 127.0.0.1.
    pub webhooks_allow_loopback: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            survey_responses_per_ip_per_minute: 60,
            failed_auth_per_ip_per_minute: crate::plans::FAILED_AUTH_PER_IP_PER_MINUTE,
            webhooks_allow_loopback: false,
        }
    }
}

/// A whole number above 0 from the environment variable `name`, if it is set.
fn positive(lookup: &impl Fn(&str) -> Option<String>, name: &str) -> Result<Option<u32>, String> {
    lookup(name)
        .map(|text| {
            text.trim()
                .parse()
                .ok()
                .filter(|n| *n > 0)
                .ok_or_else(|| format!("{name} must be a whole number above 0, not {text:?}"))
        })
        .transpose()
}

impl Settings {
    /// The settings given by `lookup`, the defaults for those it does not give.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let defaults = Settings::default();
        Ok(Settings {
            survey_responses_per_ip_per_minute: positive(&lookup, "SURVEY_RESPONSES_PER_IP_PER_MINUTE")?
                .unwrap_or(defaults.survey_responses_per_ip_per_minute),
            failed_auth_per_ip_per_minute: positive(&lookup, "FAILED_AUTH_PER_IP_PER_MINUTE")?
                .unwrap_or(defaults.failed_auth_per_ip_per_minute),
            webhooks_allow_loopback: match lookup("WEBHOOKS_ALLOW_LOOPBACK").as_deref().map(str::trim) {
                None | Some("false") => defaults.webhooks_allow_loopback,
                Some("true") => true,
                Some(other) => return Err(format!("WEBHOOKS_ALLOW_LOOPBACK must be true or false, not {other:?}")),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_default_and_parse() {
        assert_eq!(Settings::from_lookup(|_| None).unwrap(), Settings::default());
        let set = Settings::from_lookup(|name| (name == "SURVEY_RESPONSES_PER_IP_PER_MINUTE").then(|| "5".into()));
        assert_eq!(set.unwrap().survey_responses_per_ip_per_minute, 5);
        let set = Settings::from_lookup(|name| (name == "FAILED_AUTH_PER_IP_PER_MINUTE").then(|| "7".into()));
        assert_eq!(set.unwrap().failed_auth_per_ip_per_minute, 7);
        assert!(Settings::from_lookup(|_| Some("lots".into())).is_err());
        assert!(Settings::from_lookup(|_| Some("0".into())).is_err());
    }
}
