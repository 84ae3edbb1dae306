//! The error answers the OpenAPI document shows for these routes, rendered by the one error
//! mapping from what the real checks and parsers return (never typed out), so a changed text
//! changes the document with it.

use hearken::access::{Family, KeyRecord, NewKey, Role, UseCase};
use hearken::api_keys::{bound_by_creator, changes_from_json, check_change_within, check_manages, new_key_from_json};
use hearken::error::Refusal;
use hearken::http::{query_number, Surface};
use hearken::ids::AccountId;
use hearken::openapi::error_example;
use hearken::ops::KEY_NOT_FOUND;
use hearken::plans::{Action, Plan};
use hearken::store::keys::LAST_OWNER_KEY;
use hearken::time::Timestamp;
use hearken::{cursor, Error};
use lambda_http::{Request, RequestExt};
use serde_json::{json, Value};
use std::collections::HashMap;

use crate::keys::{PAGE_DEFAULT, PAGE_MAX};

fn answer(err: &Error) -> Value {
    error_example(err, Surface::RateMind)
}

/// A key of the given kind, as the access check reads it.
fn key(family: Family, role: Role, use_case: UseCase) -> KeyRecord {
    let new =
        NewKey { family, account_id: AccountId::generate(), project_id: None, name: "Example".into(), role, use_case };
    new.issue().1
}

/// An owner key limited to 30 requests a minute.
fn limited_owner() -> KeyRecord {
    KeyRecord { rate_limit_per_minute: Some(30), ..key(Family::Account, Role::Owner, UseCase::Full) }
}

fn forbidden(record: &KeyRecord, action: Action) -> Value {
    answer(&Error::Forbidden(record.forbids(action).expect("the key may not take the action")))
}

/// A project's `mbk_` key on the RateMind API.
pub fn project_key_refused(action: Action) -> Value {
    forbidden(&key(Family::Project, Role::Member, UseCase::Full), action)
}

pub fn ingest_refused(action: Action) -> Value {
    forbidden(&key(Family::Account, Role::Owner, UseCase::Ingest), action)
}

pub fn read_only_refused() -> Value {
    forbidden(&key(Family::Account, Role::Owner, UseCase::ReadOnly), Action::ManageKeys)
}

pub fn member_refused() -> Value {
    forbidden(&key(Family::Account, Role::Member, UseCase::Full), Action::ManageKeys)
}

pub fn ip_refused() -> Value {
    answer(&Error::KeyRefused(Refusal::IpNotAllowed))
}

/// A new key asking for more than its creator has.
pub fn wider_on_create() -> Value {
    let mut request =
        new_key_from_json(json!({"name": "Zapier", "rateLimitPerMinute": 60}), Plan::Pro, Timestamp::now())
            .expect("a valid body");
    answer(&bound_by_creator(&limited_owner(), &mut request).expect_err("wider than its creator"))
}

/// A change lifting a restriction the changing key has itself.
pub fn wider_on_change() -> Value {
    let changes = changes_from_json(json!({"rateLimitPerMinute": null}), Plan::Pro).expect("a valid body");
    answer(&check_change_within(&limited_owner(), &changes).expect_err("wider than the changing key"))
}

/// A key managing a key that reaches more than itself.
pub fn cannot_manage() -> Value {
    let target = key(Family::Account, Role::Member, UseCase::Full);
    answer(&check_manages(&limited_owner(), &target).expect_err("the target reaches more"))
}

pub fn key_not_found() -> Value {
    answer(&KEY_NOT_FOUND)
}

pub fn last_owner_key() -> Value {
    answer(&Error::Conflict(LAST_OWNER_KEY.to_owned()))
}

pub fn name_required() -> Value {
    answer(&new_key_from_json(json!({}), Plan::Starter, Timestamp::now()).expect_err("a key needs a name"))
}

pub fn rate_limit_above_plan() -> Value {
    let body = json!({"name": "Zapier", "rateLimitPerMinute": 1200});
    answer(&new_key_from_json(body, Plan::Starter, Timestamp::now()).expect_err("above the plan's limit"))
}

pub fn fixed_field() -> Value {
    answer(&changes_from_json(json!({"useCase": "READ_ONLY"}), Plan::Pro).expect_err("the use case is fixed"))
}

pub fn unknown_field() -> Value {
    answer(&changes_from_json(json!({"role": "owner"}), Plan::Pro).expect_err("the role is fixed"))
}

pub fn limit_out_of_range() -> Value {
    let query = HashMap::from([("limit".to_owned(), "500".to_owned())]);
    let req = Request::default().with_query_string_parameters(query);
    answer(&query_number(&req, "limit", PAGE_DEFAULT, 1, PAGE_MAX).expect_err("out of range"))
}

pub fn bad_cursor() -> Value {
    answer(&cursor::invalid())
}
