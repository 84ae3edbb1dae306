//! The projects table's stream consumer: when a project item is removed (a DELETE of the API),
//! remove its feedback in the background. A failed batch is retried by Lambda (the stream keeps
//! it), and removal is idempotent, so a crash half-way only delays the end.

use aws_lambda_events::event::dynamodb::Event;
use hearken::ids::{AccountId, ProjectId};
use hearken::project_removal::remove_project_feedback;
use hearken::App;
use serde::Deserialize;

/// What the removal needs from the old image of a project item.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Removed {
    id: String,
    account_id: Option<AccountId>,
}

/// Handles one batch of stream records; an error makes Lambda retry the batch.
pub async fn handle(app: &App, event: Event) -> Result<(), hearken::Error> {
    for record in event.records {
        if record.event_name != "REMOVE" {
            continue;
        }
        let removed: Removed = serde_dynamo::from_item(record.change.old_image)?;
        // Slug claims and counts items live in the same table; only projects have feedback.
        if let (Some(project), Some(account)) = (ProjectId::parse(&removed.id), removed.account_id) {
            remove_project_feedback(app, &account, &project).await?;
        }
    }
    Ok(())
}
