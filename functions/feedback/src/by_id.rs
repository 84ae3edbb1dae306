//! `GET`, `PUT` and `DELETE /api/feedback/{id}`.

use hearken::access::{authorize, Need};
use hearken::feedback::status_from_json;
use hearken::http::{data, deleted, json_body, path_param};
use hearken::ops::feedback;
use hearken::plans::Action;
use hearken::{App, Result};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};

pub async fn get(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::Read, project: None }).await?;
    let found = feedback::read(app, &access, &path_param(req, "id")?).await?;
    Ok(data(StatusCode::OK, found))
}

pub async fn update(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::Write, project: None }).await?;
    let status = status_from_json(json_body(req)?)?;
    let updated = feedback::change_status(app, &access, &path_param(req, "id")?, status).await?;
    Ok(data(StatusCode::OK, updated))
}

pub async fn delete(app: &App, req: &Request) -> Result<Response<Body>> {
    let access = authorize(app, req, Need { action: Action::Write, project: None }).await?;
    let id = feedback::remove(app, &access, &path_param(req, "id")?).await?;
    Ok(deleted(id))
}
