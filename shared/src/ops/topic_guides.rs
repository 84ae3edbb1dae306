//! A survey's topic guides (the access check read the survey and proved it the caller's): created,
//! listed, read, changed, deleted. Every change moves the survey's steering revision, and the
//! topics function re-derives the survey's topics when it sees it, within seconds.

use super::{raced, ATTEMPTS};
use crate::ids::TopicGuideId;
use crate::store::surveys::SurveyItem;
use crate::store::topic_guides::{self as stored, Refused};
use crate::store::Changed;
use crate::surveys::{GuideChanges, TopicGuide, GUIDES_MAX};
use crate::{App, Error, Result};

/// A guide that does not exist, or is another survey's.
pub const TOPIC_GUIDE_NOT_FOUND: Error = Error::NotFound("Topic guide not found");

fn refusal(refused: Refused) -> Error {
    match refused {
        Refused::NameTaken => Error::Conflict("name: another topic guide of this survey has this name".to_owned()),
        Refused::Full => Error::Conflict(format!("A survey has at most {GUIDES_MAX} topic guides; delete one first")),
        Refused::SurveyGone => super::SURVEY_NOT_FOUND,
    }
}

/// Adds a guide to the survey.
pub async fn create(app: &App, survey: &SurveyItem, guide: TopicGuide) -> Result<TopicGuide> {
    match stored::create(app, survey, &guide).await? {
        None => Ok(guide),
        Some(refused) => Err(refusal(refused)),
    }
}

/// The survey's guides, oldest first.
pub async fn list(app: &App, survey: &SurveyItem) -> Result<Vec<TopicGuide>> {
    stored::list(app, &survey.survey.id).await
}

/// The survey's guide `raw` (a malformed id is as unknown as another survey's).
pub async fn get(app: &App, survey: &SurveyItem, raw: &str) -> Result<TopicGuide> {
    let id = TopicGuideId::parse(raw).ok_or(TOPIC_GUIDE_NOT_FOUND)?;
    stored::get(app, &survey.survey.id, &id).await?.ok_or(TOPIC_GUIDE_NOT_FOUND)
}

/// Changes the fields given. A change that changes nothing writes nothing (and derives nothing
/// again).
pub async fn update(app: &App, survey: &SurveyItem, raw: &str, changes: &GuideChanges) -> Result<TopicGuide> {
    for _ in 0..ATTEMPTS {
        let before = get(app, survey, raw).await?;
        let mut after = before.clone();
        changes.apply_to(&mut after);
        if after == before {
            return Ok(before);
        }
        after.updated_at = stored::next_version(&before);
        match stored::save(app, survey, &before, &after).await? {
            Changed::Done(None) => return Ok(after),
            Changed::Done(Some(refused)) => return Err(refusal(refused)),
            Changed::Raced | Changed::ProjectGone => continue,
        }
    }
    Err(raced("The topic guide changed while it was being updated"))
}

/// Deletes the guide: its topic leaves the survey at the re-derivation this starts.
pub async fn delete(app: &App, survey: &SurveyItem, raw: &str) -> Result<()> {
    for _ in 0..ATTEMPTS {
        let guide = get(app, survey, raw).await?;
        match stored::delete(app, survey, &guide).await? {
            Changed::Done(None) => return Ok(()),
            Changed::Done(Some(refused)) => return Err(refusal(refused)),
            Changed::Raced | Changed::ProjectGone => continue,
        }
    }
    Err(raced("The topic guide changed while it was being deleted"))
}
