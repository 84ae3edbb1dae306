//! One item by its key (GetItem), raw or as its stored type.

use aws_sdk_dynamodb::operation::get_item::builders::GetItemFluentBuilder;
use serde::de::DeserializeOwned;

use super::Item;
use crate::request_scope::db_call;
use crate::Result;

/// Sends one GetItem: the item, if there is one.
pub(crate) async fn get_item(request: GetItemFluentBuilder) -> Result<Option<Item>> {
    Ok(db_call(request.send()).await?.item)
}

/// Sends one GetItem and reads the item as a `T`.
pub(crate) async fn get_as<T: DeserializeOwned>(request: GetItemFluentBuilder) -> Result<Option<T>> {
    match get_item(request).await? {
        Some(item) => Ok(Some(serde_dynamo::from_item(item)?)),
        None => Ok(None),
    }
}

/// Sends one GetItem and reads the item as a `T`, keeping the raw item too (for attributes the
/// type leaves out, such as counters).
pub(crate) async fn get_with_item<T: DeserializeOwned>(request: GetItemFluentBuilder) -> Result<Option<(T, Item)>> {
    match get_item(request).await? {
        Some(item) => Ok(Some((serde_dynamo::from_item(item.clone())?, item))),
        None => Ok(None),
    }
}
