//! `hearken-local`: the whole API on this machine. Creates the template's tables (if missing) in
//! the DynamoDB that `AWS_ENDPOINT_URL_DYNAMODB` points at, a demo account and project, prints
//! working keys and curl lines, then serves every route of template.yaml on 127.0.0.1:$PORT.

use hearken::admin;
use hearken::plans::Plan;
use hearken::App;
use hearken_local::stack::prefix_from_env;
use hearken_local::template::Template;
use hearken_local::{gateway, schedules, streams, tables};

#[tokio::main]
async fn main() -> Result<(), String> {
    hearken::logging::init();
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let template = Template::load_default()?;
    let prefix = prefix_from_env();
    let client = hearken_local::stack::client().await;
    let tables = tables::create_all(&client, &template, &prefix).await?;
    let mut app = App::new(client, tables);
    app.settings = hearken::config::Settings::from_lookup(|name| std::env::var(name).ok())?;
    // Running locally: webhooks may go to a receiver on this machine (loopback only).
    app.settings.webhooks_allow_loopback = true;

    let (account, owner_key) =
        admin::create_account(&app, "Demo account", Plan::Business).await.map_err(|e| e.to_string())?;
    let (project, project_key) =
        admin::create_project(&app, &account.id, "Demo website", None).await.map_err(|e| e.to_string())?;
    let survey = demo_survey(&app, &account.id, &project.id).await.map_err(|e| e.to_string())?;
    streams::start(app.clone(), &template, &prefix).await?;
    schedules::start(app.clone(), &template)?;
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

A demo survey (filed into the demo project) — open it in a browser and answer it:
  {base}/s/{survey_id}
Read its responses with the owner key:
  curl -H 'Authorization: Bearer {owner}' {base}/api/v1/surveys/{survey_id}/feedback

Admin CLI against this stack (from another terminal):
  AWS_ENDPOINT_URL_DYNAMODB={endpoint} HEARKEN_TABLE_PREFIX={prefix} cargo run -q -p hearken-local --bin hearken-admin -- create-account --name Acme --plan STARTER
The nightly rollup, now:
  AWS_ENDPOINT_URL_DYNAMODB={endpoint} HEARKEN_TABLE_PREFIX={prefix} make rollup

Ctrl-C stops the API (and the DynamoDB Local that `make dev` started).",
        account_id = account.id,
        plan = account.plan,
        owner = owner_key.expose(),
        project_id = project.id,
        slug = project.slug,
        survey_id = survey.id,
    );
    tokio::signal::ctrl_c().await.map_err(|e| e.to_string())?;
    Ok(())
}

/// A small survey over every kind of question, filed into the demo project.
async fn demo_survey(
    app: &App,
    account: &hearken::ids::AccountId,
    project: &hearken::ids::ProjectId,
) -> hearken::Result<hearken::surveys::Survey> {
    let body = serde_json::json!({
        "name": "How was your visit?",
        "welcomeMessage": "Three quick questions; it takes a minute.",
        "projectId": project,
        "questions": [
            {"type": "RATING", "text": "How would you rate your visit?", "required": true},
            {"type": "CHOICE", "text": "What did you come for?", "options": ["Pricing", "Docs", "Support"], "multiple": true},
            {"type": "TEXT", "text": "What could we do better?", "maxLength": 1000}
        ]
    });
    let survey = hearken::surveys::new_survey_from_json(body, hearken::time::Timestamp::now())?;
    let item = hearken::store::surveys::SurveyItem::new(account, survey);
    hearken::store::surveys::create(app, &item).await?;
    Ok(item.survey)
}
