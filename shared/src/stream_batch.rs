//! What a stream consumer answers Lambda (`FunctionResponseTypes: [ReportBatchItemFailures]`): the
//! records it could not process, by sequence number. Lambda retries from the first of them a
//! bounded number of times, then sends the batch's coordinates to the consumer's failure queue.

use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};

/// The answer that reports the records of these sequence numbers (none: the whole batch is done).
pub fn reporting(failed: impl IntoIterator<Item = Option<String>>) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    response.batch_item_failures = failed
        .into_iter()
        .map(|sequence| {
            let mut failure = DynamoDbBatchItemFailure::default();
            failure.item_identifier = sequence;
            failure
        })
        .collect();
    response
}
