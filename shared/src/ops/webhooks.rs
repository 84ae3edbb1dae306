//! An account's webhook endpoints (`/api/v1/webhooks`): made (the secret once; a URL that is not
//! HTTPS or resolves inside a private network is refused), listed, read, changed, deleted, their
//! secret rotated, a ping queued, and their deliveries listed and retried. Every endpoint is read by
//! the caller's account and its id, so another account's id reads as an unknown one, at the same
//! cost.

use super::{raced, ATTEMPTS, PROJECT_NOT_FOUND, SURVEY_NOT_FOUND};
use crate::access::Access;
use crate::cursor;
use crate::ids::{DeliveryId, WebhookId};
use crate::store::webhooks::{self as stored, Delivery};
use crate::store::{projects, s, surveys, Changed, Item};
use crate::time::Timestamp;
use crate::webhooks::signing::Secret;
use crate::webhooks::target::{self, Refused};
use crate::webhooks::{Endpoint, EndpointFields, EventType};
use crate::{App, Error, Result};
use serde_json::json;

/// An endpoint that does not exist, or is another account's.
pub const WEBHOOK_NOT_FOUND: Error = Error::NotFound("Webhook not found");
/// A delivery that does not exist under the endpoint.
pub const DELIVERY_NOT_FOUND: Error = Error::NotFound("Delivery not found");

/// Checks a URL's form and where it resolves (every address public, or loopback on the local stack).
async fn checked_url(app: &App, url: &str) -> Result<String> {
    let allow_loopback = app.settings.webhooks_allow_loopback;
    let refused = |why: Refused| Error::bad_request(why.to_string());
    let target = target::parse(url, allow_loopback).map_err(refused)?;
    target::resolve(&target, allow_loopback).await.map_err(refused)?;
    Ok(target.url)
}

/// Checks that a project or survey filter names one of the caller's (404 as for any other route).
async fn check_filters(app: &App, access: &Access, fields: &EndpointFields) -> Result<()> {
    let account = &access.account.id;
    if let Some(Some(project)) = &fields.project_id {
        if !access.key.allows_project(project.as_str()) || projects::get(app, account, project).await?.is_none() {
            return Err(PROJECT_NOT_FOUND);
        }
    }
    if let Some(Some(survey)) = &fields.survey_id {
        if surveys::get(app, account, survey).await?.is_none() {
            return Err(SURVEY_NOT_FOUND);
        }
    }
    Ok(())
}

/// Makes an endpoint; the answer is the only one that shows its secret.
pub async fn create(app: &App, access: &Access, fields: EndpointFields) -> Result<Endpoint> {
    let url = checked_url(app, fields.url.as_deref().unwrap_or_default()).await?;
    check_filters(app, access, &fields).await?;
    let now = Timestamp::now();
    let endpoint = Endpoint {
        pk: access.account.id.clone(),
        sk: WebhookId::generate(),
        url,
        events: fields.events.unwrap_or_default(),
        project_id: fields.project_id.flatten(),
        survey_id: fields.survey_id.flatten(),
        enabled: fields.enabled.unwrap_or(true),
        description: fields.description.flatten(),
        secret: Secret::generate().expose().to_owned(),
        created_at: now,
        updated_at: now,
        disabled_reason: None,
        failing_since: None,
    };
    stored::create(app, &endpoint).await?;
    Ok(endpoint)
}

/// The caller's endpoint `raw` names.
pub async fn get(app: &App, access: &Access, raw: &str) -> Result<Endpoint> {
    let id = WebhookId::parse(raw).ok_or(WEBHOOK_NOT_FOUND)?;
    stored::get(app, &access.account.id, &id).await?.ok_or(WEBHOOK_NOT_FOUND)
}

/// Every endpoint of the account, oldest first.
pub async fn list(app: &App, access: &Access) -> Result<Vec<Endpoint>> {
    stored::list(app, &access.account.id).await
}

/// Applies `change` to the endpoint, read again and retried when another change raced it.
async fn change(app: &App, access: &Access, raw: &str, change: impl Fn(&mut Endpoint)) -> Result<Endpoint> {
    for _ in 0..ATTEMPTS {
        let before = get(app, access, raw).await?;
        let mut after = before.clone();
        change(&mut after);
        // Strictly later, so the next change's condition tells the two apart.
        let later = Timestamp::from_millis(before.updated_at.unix_millis() + 1).unwrap_or(before.updated_at);
        after.updated_at = Timestamp::now().max(later);
        match stored::save(app, &before, &after).await? {
            Changed::Done(()) => return Ok(after),
            Changed::Raced | Changed::ProjectGone => continue,
        }
    }
    Err(raced("The webhook changed while it was being updated"))
}

/// Changes the fields given. Enabling an endpoint the service disabled clears its reason.
pub async fn update(app: &App, access: &Access, raw: &str, fields: EndpointFields) -> Result<Endpoint> {
    let url = match &fields.url {
        Some(url) => Some(checked_url(app, url).await?),
        None => None,
    };
    check_filters(app, access, &fields).await?;
    change(app, access, raw, |endpoint| {
        if let Some(url) = &url {
            endpoint.url = url.clone();
        }
        if let Some(events) = &fields.events {
            endpoint.events = events.clone();
        }
        if let Some(project) = &fields.project_id {
            endpoint.project_id = project.clone();
        }
        if let Some(survey) = &fields.survey_id {
            endpoint.survey_id = survey.clone();
        }
        if let Some(description) = &fields.description {
            endpoint.description = description.clone();
        }
        if let Some(enabled) = fields.enabled {
            endpoint.enabled = enabled;
            if enabled {
                endpoint.disabled_reason = None;
                endpoint.failing_since = None;
            }
        }
    })
    .await
}

/// A new secret: deliveries from now on are signed with it; the answer shows it once.
pub async fn rotate_secret(app: &App, access: &Access, raw: &str) -> Result<Endpoint> {
    let secret = Secret::generate();
    change(app, access, raw, |endpoint| endpoint.secret = secret.expose().to_owned()).await
}

/// Deletes the endpoint: nothing more is made for it or sent to it.
pub async fn delete(app: &App, access: &Access, raw: &str) -> Result<WebhookId> {
    let endpoint = get(app, access, raw).await?;
    match stored::delete(app, &endpoint).await? {
        true => Ok(endpoint.sk),
        false => Err(WEBHOOK_NOT_FOUND),
    }
}

/// Queues a `ping` to the endpoint (sent at once by the delivery function, like any delivery).
pub async fn test(app: &App, access: &Access, raw: &str) -> Result<Delivery> {
    let endpoint = get(app, access, raw).await?;
    let now = Timestamp::now();
    let data = json!({"webhookId": endpoint.sk, "message": "A test event from Hearken"});
    let payload = json!({"type": EventType::Ping.as_str(), "timestamp": now, "data": data}).to_string();
    let delivery = Delivery::new(&endpoint, DeliveryId::generate(), EventType::Ping, payload);
    stored::put_delivery(app, &delivery).await?;
    Ok(delivery)
}

/// A page of the endpoint's deliveries, newest first, and the cursor of the next page. The cursor
/// holds the endpoint and a delivery id, bound to this list and account.
pub async fn deliveries(
    app: &App,
    access: &Access,
    raw: &str,
    limit: i32,
    after: Option<&str>,
) -> Result<(Vec<Delivery>, Option<String>)> {
    let endpoint = get(app, access, raw).await?;
    let scope = format!("{}/{}", access.account.id, endpoint.sk);
    let after = match after {
        Some(text) => {
            let position = cursor::decode(text, "deliveries", &scope, ("pk", endpoint.sk.as_str()), &["pk", "sk"])?;
            let id = position.get("sk").and_then(|v| v.as_s().ok()).and_then(|t| DeliveryId::parse(t));
            Some(id.ok_or_else(cursor::invalid)?)
        }
        None => None,
    };
    let (page, next) = stored::deliveries(app, &endpoint.sk, limit, after.as_ref()).await?;
    let next = next.map(|id| {
        let position: Item = [("pk".to_owned(), s(endpoint.sk.as_str())), ("sk".to_owned(), s(id.as_str()))].into();
        cursor::encode("deliveries", &scope, &position)
    });
    Ok((page, next))
}

/// Sends a delivery again now (its attempts go on counting); the endpoint must be enabled.
pub async fn retry(app: &App, access: &Access, raw: &str, delivery: &str) -> Result<Delivery> {
    let endpoint = get(app, access, raw).await?;
    let id = DeliveryId::parse(delivery).ok_or(DELIVERY_NOT_FOUND)?;
    let found = stored::get_delivery(app, &endpoint.sk, &id).await?.ok_or(DELIVERY_NOT_FOUND)?;
    if !endpoint.enabled {
        return Err(Error::Conflict("The webhook is disabled; enable it before retrying its deliveries".to_owned()));
    }
    stored::retry_now(app, &found).await
}
