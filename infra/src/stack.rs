//! How the local tools find their tables: the same environment variables the functions read when
//! deployed (`ACCOUNTS_TABLE`…), or, locally, the template's tables under a name prefix.

use crate::tables::tables_for;
use crate::template::Template;
use hearken::config::{Tables, TABLE_VARIABLES};
use hearken::App;

/// The table-name prefix of the local stack (`HEARKEN_TABLE_PREFIX`, default `hearken-local-`).
pub fn prefix_from_env() -> String {
    std::env::var("HEARKEN_TABLE_PREFIX").unwrap_or_else(|_| "hearken-local-".to_owned())
}

/// The tables the tools use: the deployed names when every `*_TABLE` variable is set, else the
/// local stack's prefixed tables.
pub fn tables_from_env(template: &Template) -> Result<Tables, String> {
    if TABLE_VARIABLES
        .iter()
        .all(|name| std::env::var(name).is_ok())
    {
        Tables::from_env()
    } else {
        tables_for(template, &prefix_from_env())
    }
}

/// The application state the tools use, from the standard AWS configuration.
pub async fn app_from_env(template: &Template) -> Result<App, String> {
    Ok(App::new(
        hearken::app::client_from_env().await,
        tables_from_env(template)?,
    ))
}
