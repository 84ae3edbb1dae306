//! `GET /api/feedback`: feedback across the caller's projects. Totals come from counters for
//! project, status and source; `search` and dates count the matching items instead (see the
//! README for what each costs).

use super::PROJECT_NOT_FOUND;
use crate::access::Access;
use crate::error::Refusal;
use crate::feedback::FeedbackView;
use crate::ids::ProjectId;
use crate::store::counters::total;
use crate::store::feedback::{self as stored, Filters, Scope};
use crate::store::projects::{self, Project};
use crate::store::Item;
use crate::{App, Error, Result};
use serde::Serialize;

/// A list item: the feedback and the project it belongs to.
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ListedFeedback)]
pub struct Listed {
    #[serde(flatten)]
    pub feedback: FeedbackView,
    pub project_id: ProjectId,
}

/// Which project the request names, if any.
pub enum Named {
    /// By id (`?project=`): read, and proven the caller's, by the access check.
    Owned(Box<(Project, Item)>),
    /// By slug (`?projectSlug=`), validated as a slug.
    Slug(String),
    None,
}

/// What the list covers, as far as the request and the key say.
enum Planned {
    /// The project named by id, read (and proven the caller's) by the access check.
    Owned(Box<(Project, Item)>),
    /// One project named by slug: the slug claim is the account's own, so the project it names
    /// is too, and its item can be read beside the page.
    Project(ProjectId),
    /// The one project a limited key may address (gone: an empty list, not a 404).
    Only(ProjectId),
    /// The projects a limited key may address.
    Limited(Vec<ProjectId>),
    /// The whole account.
    Account,
}

/// One page (`skip`, `limit`) of the feedback the request and the key cover, and its total.
pub async fn list_across(
    app: &App,
    access: &Access,
    named: Named,
    filters: &Filters,
    skip: u64,
    limit: u64,
) -> Result<(Vec<Listed>, u64)> {
    let account = &access.account.id;
    // Boxed: the page and the count are large futures, and several arms below hold one.
    let fetch = |scope: Scope| {
        Box::pin(async move {
            let (items, count) = tokio::join!(stored::list(app, &scope, filters, skip, limit), async {
                match filters.counted_by_counters() {
                    true => Ok(None),
                    false => stored::count(app, &scope, filters).await.map(Some),
                }
            });
            Ok::<_, Error>((items?, count?))
        })
    };
    // The scope's counters are read in the same round as the page wherever the page does not
    // depend on them (a named project, the whole account); a key limited to projects needs to
    // know which of them still exist first.
    let (counters, (items, counted)) = match plan(app, access, named).await? {
        Planned::Owned(owned) => {
            let (project, item) = *owned;
            (vec![item], fetch(Scope::Project(project.id)).await?)
        }
        Planned::Project(project) => {
            let (found, fetched) =
                tokio::join!(projects::get(app, account, &project), fetch(Scope::Project(project.clone())));
            let (_, item) = found?.ok_or(PROJECT_NOT_FOUND)?;
            (vec![item], fetched?)
        }
        Planned::Only(project) => {
            let (found, fetched) =
                tokio::join!(projects::get(app, account, &project), fetch(Scope::Project(project.clone())));
            match found? {
                Some((_, item)) => (vec![item], fetched?),
                None => (vec![], (vec![], Some(0))),
            }
        }
        Planned::Limited(limited) => {
            let reads = limited.iter().map(|project| projects::get(app, account, project));
            let found: Vec<_> = futures::future::try_join_all(reads).await?.into_iter().flatten().collect();
            let live = found.iter().map(|(project, _)| project.id.clone()).collect();
            (found.into_iter().map(|(_, item)| item).collect(), fetch(Scope::Projects(account.clone(), live)).await?)
        }
        Planned::Account => {
            let (counts, fetched) =
                tokio::join!(projects::account_counts(app, account), fetch(Scope::Account(account.clone(), vec![])));
            let counts = counts?;
            // Rare: a deleted project's feedback is still being removed; leave it out.
            let deleting = projects::deleting_in(&counts);
            let fetched = match deleting.is_empty() {
                true => fetched?,
                false => fetch(Scope::Account(account.clone(), deleting)).await?,
            };
            (vec![counts], fetched)
        }
    };
    let total =
        counted.unwrap_or_else(|| counters.iter().map(|item| total(item, filters.status, filters.source)).sum());
    let listed = items.into_iter().map(|item| Listed { feedback: item.view, project_id: item.project_id }).collect();
    Ok((listed, total))
}

async fn plan(app: &App, access: &Access, named: Named) -> Result<Planned> {
    let id = match named {
        Named::Owned(owned) => return Ok(Planned::Owned(owned)),
        Named::Slug(slug) => {
            let id = projects::id_by_slug(app, &access.account.id, &slug).await?.ok_or(PROJECT_NOT_FOUND)?;
            if !access.key.allows_project(id.as_str()) {
                // Known only after the slug was read: give the call back, as for any refusal.
                return Err(access.refuse(app, Error::KeyRefused(Refusal::ProjectNotAllowed)).await);
            }
            return Ok(Planned::Project(id));
        }
        Named::None => access.key.project_limit(),
    };
    Ok(match id {
        // One project (a project key, or an account key limited to one): its own index.
        Some(limited) if limited.len() == 1 => Planned::Only(limited.into_iter().next().expect("one")),
        Some(limited) => Planned::Limited(limited),
        None => Planned::Account,
    })
}
