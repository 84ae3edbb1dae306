//! The keys table: key items by digest.

use super::s;
use crate::access::KeyRecord;
use crate::request_scope::db_call;
use crate::time::Timestamp;
use crate::{App, Result};

/// Reads a key by the digest of its secret, strongly consistent so a revocation holds at once.
pub async fn get_by_digest(app: &App, digest: &str) -> Result<Option<KeyRecord>> {
    let out =
        db_call(app.db.get_item().table_name(&app.tables.keys).key("digest", s(digest)).consistent_read(true).send())
            .await?;
    Ok(out.item.map(serde_dynamo::from_item).transpose()?)
}

/// Records when a key was last used. Only when the item still exists: a key deleted meanwhile
/// must not come back as a stub.
pub async fn touch_last_used(app: &App, digest: &str, at: Timestamp) -> Result<()> {
    let call = app
        .db
        .update_item()
        .table_name(&app.tables.keys)
        .key("digest", s(digest))
        .update_expression("SET lastUsedAt = :at")
        .condition_expression("attribute_exists(digest)")
        .expression_attribute_values(":at", s(at.to_iso()))
        .send();
    match db_call(call).await {
        Ok(_) => Ok(()),
        Err(err) if super::failed_condition(&err) => Ok(()),
        Err(err) => Err(err.into()),
    }
}
