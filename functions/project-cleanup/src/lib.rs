//! The projects table's stream consumer: when a project item is removed (a DELETE of the API),
//! remove its feedback in the background. A batch that fails for a passing reason (throttling, an
//! outage, a timeout) is retried by Lambda (the stream keeps it), and removal is idempotent, so a
//! crash half-way only delays the end. A record that no retry can help (its image does not decode,
//! or its removal fails for a reason that is not passing) is logged with its keys and passed
//! over: retried, it would hold back every record behind it in its shard until the stream drops
//! them all (after 24 hours).

use aws_lambda_events::event::dynamodb::Event;
use hearken::ids::{AccountId, ProjectId};
use hearken::project_removal::remove_project_feedback;
use hearken::{App, Error};
use serde::Deserialize;

/// What the removal needs from the old image of a project item.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Removed {
    id: String,
    account_id: Option<AccountId>,
}

/// Handles one batch of stream records; an error (only a passing one) makes Lambda retry the batch.
pub async fn handle(app: &App, event: Event) -> Result<(), Error> {
    for record in event.records {
        if record.event_name != "REMOVE" {
            continue;
        }
        let removed: Removed = match serde_dynamo::from_item(record.change.old_image) {
            Ok(removed) => removed,
            Err(err) => {
                passed_over(&record.event_id, &record.change.keys, &Error::from(err));
                continue;
            }
        };
        // Slug claims and counts items live in the same table; only projects have feedback.
        if let (Some(project), Some(account)) = (ProjectId::parse(&removed.id), removed.account_id) {
            match remove_project_feedback(app, &account, &project).await {
                Ok(_) => {}
                Err(err @ Error::Unavailable(_)) => return Err(err),
                Err(err) => passed_over(&record.event_id, &record.change.keys, &err),
            }
        }
    }
    Ok(())
}

/// Logs a record that is passed over: its keys (ids only, never the item's content) and why.
fn passed_over(event_id: &str, keys: &serde_dynamo::Item, err: &Error) {
    tracing::error!(event_id, ?keys, error = %err, "passed over a stream record that no retry can process");
}
