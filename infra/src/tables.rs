//! Creates the tables of template.yaml (keys, indexes, streams, TTL, billing) under a name prefix,
//! so every test, and the dev stack, gets its own set from the one definition.

use crate::template::{Table, Template};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, StreamSpecification, StreamViewType, TimeToLiveSpecification,
};
use aws_sdk_dynamodb::Client;
use hearken::config::Tables;
use serde_yaml::Value;

/// The local name of a table: the prefix, then its logical id (`dev-AccountsTable`).
pub fn local_name(prefix: &str, logical_id: &str) -> String {
    format!("{prefix}{logical_id}")
}

/// The table names the functions see when the tables carry `prefix`, through the same
/// environment variables template.yaml sets.
pub fn tables_for(template: &Template, prefix: &str) -> Result<Tables, String> {
    Tables::from_lookup(|variable| {
        template.table_variables.iter().find(|(name, _)| name == variable).map(|(_, id)| local_name(prefix, id))
    })
}

/// Creates every table of the template under `prefix`; tables that already exist are kept.
pub async fn create_all(client: &Client, template: &Template, prefix: &str) -> Result<Tables, String> {
    let existing = client.list_tables().send().await.map_err(|e| format!("cannot list tables: {e:?}"))?;
    let existing = existing.table_names();
    let creations = template
        .tables
        .iter()
        .filter(|t| !existing.contains(&local_name(prefix, &t.logical_id)))
        .map(|t| create(client, t, prefix));
    futures::future::try_join_all(creations).await?;
    tables_for(template, prefix)
}

/// Deletes every table of the template under `prefix` (missing ones are fine).
pub async fn delete_all(client: &Client, template: &Template, prefix: &str) {
    let deletions =
        template.tables.iter().map(|t| client.delete_table().table_name(local_name(prefix, &t.logical_id)).send());
    let _ = futures::future::join_all(deletions).await;
}

async fn create(client: &Client, table: &Table, prefix: &str) -> Result<(), String> {
    let name = local_name(prefix, &table.logical_id);
    let props = &table.properties;
    let fail = |what: &str| format!("table {}: {what}", table.logical_id);
    let mut request = client
        .create_table()
        .table_name(&name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(attribute_definitions(props).ok_or_else(|| fail("bad AttributeDefinitions"))?))
        .set_key_schema(Some(key_schema(props.get("KeySchema")).ok_or_else(|| fail("bad KeySchema"))?));
    for index in props.get("GlobalSecondaryIndexes").and_then(Value::as_sequence).into_iter().flatten() {
        request =
            request.global_secondary_indexes(global_index(index).ok_or_else(|| fail("bad GlobalSecondaryIndexes"))?);
    }
    if let Some(view) = props.get("StreamSpecification").and_then(|s| s.get("StreamViewType")).and_then(Value::as_str) {
        let spec =
            StreamSpecification::builder().stream_enabled(true).stream_view_type(StreamViewType::from(view)).build();
        request = request.stream_specification(spec.map_err(|e| fail(&e.to_string()))?);
    }
    request
        .send()
        .await
        .map_err(|e| fail(&format!("create failed: {}", aws_sdk_dynamodb::error::DisplayErrorContext(e))))?;

    let ttl = props.get("TimeToLiveSpecification");
    if let Some(attribute) = ttl
        .filter(|t| t.get("Enabled").and_then(Value::as_bool) == Some(true))
        .and_then(|t| t.get("AttributeName"))
        .and_then(Value::as_str)
    {
        let spec = TimeToLiveSpecification::builder()
            .enabled(true)
            .attribute_name(attribute)
            .build()
            .map_err(|e| fail(&e.to_string()))?;
        client
            .update_time_to_live()
            .table_name(&name)
            .time_to_live_specification(spec)
            .send()
            .await
            .map_err(|e| fail(&format!("TTL failed: {}", aws_sdk_dynamodb::error::DisplayErrorContext(e))))?;
    }
    Ok(())
}

fn text<'a>(value: &'a Value, field: &str) -> Option<&'a str> {
    value.get(field).and_then(Value::as_str)
}

fn attribute_definitions(props: &Value) -> Option<Vec<AttributeDefinition>> {
    props
        .get("AttributeDefinitions")?
        .as_sequence()?
        .iter()
        .map(|d| {
            let kind = ScalarAttributeType::from(text(d, "AttributeType")?);
            AttributeDefinition::builder().attribute_name(text(d, "AttributeName")?).attribute_type(kind).build().ok()
        })
        .collect()
}

fn key_schema(schema: Option<&Value>) -> Option<Vec<KeySchemaElement>> {
    schema?
        .as_sequence()?
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(text(k, "AttributeName")?)
                .key_type(KeyType::from(text(k, "KeyType")?))
                .build()
                .ok()
        })
        .collect()
}

fn global_index(index: &Value) -> Option<GlobalSecondaryIndex> {
    let projection = index.get("Projection")?;
    let non_key: Option<Vec<String>> = projection
        .get("NonKeyAttributes")
        .and_then(Value::as_sequence)
        .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect());
    let projection = Projection::builder()
        .projection_type(ProjectionType::from(text(projection, "ProjectionType")?))
        .set_non_key_attributes(non_key)
        .build();
    GlobalSecondaryIndex::builder()
        .index_name(text(index, "IndexName")?)
        .set_key_schema(Some(key_schema(index.get("KeySchema"))?))
        .projection(projection)
        .build()
        .ok()
}
