//! `hearken-local`: the whole API on this machine. Creates the template's tables (if missing) in
//! the DynamoDB that `AWS_ENDPOINT_URL_DYNAMODB` points at, a demo account and project, prints
//! working keys and curl lines, then serves every route of template.yaml on 127.0.0.1:$PORT.

use hearken::admin;
use hearken::plans::Plan;
use hearken::App;
use hearken_local::stack::prefix_from_env;
use hearken_local::template::Template;
use hearken_local::{gateway, streams, tables};

#[tokio::main]
async fn main() -> Result<(), String> {
    hearken::logging::init();
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let template = Template::load_default()?;
    let prefix = prefix_from_env();
    let client = hearken_local::stack::client().await;
    let tables = tables::create_all(&client, &template, &prefix).await?;
    let app = App::new(client, tables);

    let (account, owner_key) =
        admin::create_account(&app, "Demo account", Plan::Pro).await.map_err(|e| e.to_string())?;
    let (project, project_key) =
        admin::create_project(&app, &account.id, "Demo website", None).await.map_err(|e| e.to_string())?;
    streams::start(app.clone(), &template, &prefix).await?;
    let address = gateway::start(app, &template, port).await?;

    let base = format!("http://{address}");
    let endpoint = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap_or_else(|_| "(AWS default endpoint)".to_owned());
    let feedback = format!("{base}/api/projects/{}/feedback", project.id);
    let key = project_key.expose();
    println!(
        "\nHearken is serving template.yaml's routes at {base}
DynamoDB: {endpoint} (tables {prefix}*)

Demo account {account_id} (plan {plan})
  owner key    {owner}
  project      {project_id} (slug {slug})
  project key  {key}

Store feedback:
  curl -i -X POST -H 'x-api-key: {key}' -H 'Content-Type: application/json' -d '{{\"message\": \"Hello from curl\"}}' {feedback}
List it:
  curl -i -H 'x-api-key: {key}' '{feedback}?limit=10'

Admin CLI against this stack (from another terminal):
  AWS_ENDPOINT_URL_DYNAMODB={endpoint} HEARKEN_TABLE_PREFIX={prefix} cargo run -q -p hearken-local --bin hearken-admin -- create-account --name Acme --plan STARTER

Ctrl-C stops the API (and the DynamoDB Local that `make dev` started).",
        account_id = account.id,
        plan = account.plan,
        owner = owner_key.expose(),
        project_id = project.id,
        slug = project.slug,
    );
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    Ok(())
}
