//! The projects table's stream consumer: when a project item is removed (a DELETE of the API),
//! remove its feedback in the background; and, nightly, finish every removal left half-done
//! ([`unfinished`]). Each record is handled on its own: one that fails (a passing outage, or one
//! whose image does not decode, or whose removal fails for good) is logged with its keys and
//! reported in the batch response, and the others are processed. Lambda retries from the first
//! reported record a bounded number of times (removal is idempotent, so processing a record again
//! is harmless), then sends the batch's coordinates to the failure queue and moves on; the
//! project stays listed on its account's counts item until its removal finishes, so the nightly
//! sweep finishes it then.

pub mod unfinished;

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::DynamoDbEventResponse;
use hearken::ids::{AccountId, ProjectId};
use hearken::project_removal::remove_project_feedback;
use hearken::{App, Error};
use serde::Deserialize;

pub use unfinished::{finish_unfinished, Swept};

/// What the removal needs from the old image of a project item.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Removed {
    id: String,
    account_id: Option<AccountId>,
}

/// Handles one batch of stream records; answers the records that failed (by sequence number).
pub async fn handle(app: &App, event: Event) -> Result<DynamoDbEventResponse, Error> {
    let mut failed = vec![];
    for record in event.records {
        if record.event_name != "REMOVE" {
            continue;
        }
        if let Err(err) = remove(app, &record).await {
            tracing::error!(
                event_id = record.event_id,
                keys = ?record.change.keys,
                error = %err,
                "a stream record failed; reported for retry, then the failure queue"
            );
            failed.push(record.change.sequence_number.clone());
        }
    }
    Ok(hearken::stream_batch::reporting(failed))
}

/// Removes the feedback of the project a record removed (slug claims and counts items live in the
/// same table and have none).
async fn remove(app: &App, record: &EventRecord) -> Result<(), Error> {
    let removed: Removed = serde_dynamo::from_item(record.change.old_image.clone())?;
    if let (Some(project), Some(account)) = (ProjectId::parse(&removed.id), removed.account_id) {
        remove_project_feedback(app, &account, &project).await?;
    }
    Ok(())
}
