//! Surveys, responses and topics, written as the public page and the topics function write them
//! (on past days too), and what the tests know of each response written.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::NaiveDate;
use futures::stream::{self, StreamExt};
use hearken::ids::SurveyId;
use hearken::plans::Plan;
use hearken::store::responses::{self, ResponseItem, Submitted};
use hearken::store::s;
use hearken::store::survey_days;
use hearken::store::surveys::{self, SurveyItem};
use hearken::time::Timestamp;
use hearken_tests::TestApp;
use serde_json::{json, Value};

/// A BUSINESS account's owner key.
pub async fn business(app: &TestApp) -> String {
    let (_, key) = app.account(Plan::Business).await;
    key.expose().to_owned()
}

/// A survey with three optional questions (rating, text, multiple choice), created through the
/// API, and its stored item (what a response is written against).
pub struct Fixture {
    pub id: String,
    pub item: SurveyItem,
}

pub async fn create_survey(app: &TestApp, key: &str, threshold: u8) -> Fixture {
    let body = json!({
        "name": "Analytics",
        "threshold": threshold,
        "questions": [
            {"type": "RATING", "text": "How was your delivery?"},
            {"type": "TEXT", "text": "What could we do better?"},
            {"type": "CHOICE", "text": "What did you order?", "options": ["Pizza", "Pasta"], "multiple": true}
        ]
    });
    let reply = app.call("POST", "/api/v1/surveys", key, Some(body)).await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let id = reply.body["data"]["id"].as_str().expect("a survey id").to_owned();
    let item = stored_survey(app, &id).await;
    Fixture { id, item }
}

pub async fn stored_survey(app: &TestApp, id: &str) -> SurveyItem {
    let id = SurveyId::parse(id).expect("a survey id");
    surveys::get_public(&app.app, &id).await.expect("survey read").expect("survey stored")
}

/// Changes a survey's threshold through the API and reads its item again.
pub async fn set_threshold(app: &TestApp, key: &str, fixture: &mut Fixture, threshold: u8) {
    let path = format!("/api/v1/surveys/{}", fixture.id);
    let reply = app.call("PATCH", &path, key, Some(json!({ "threshold": threshold }))).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    fixture.item = stored_survey(app, &fixture.id).await;
    assert_eq!(fixture.item.survey.threshold, threshold);
}

/// A response to write: when, its rating, and which other questions it answers.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub at: Timestamp,
    pub rating: Option<u8>,
    pub text: bool,
    pub choice: bool,
}

pub fn spec(at: Timestamp, rating: Option<u8>, text: bool, choice: bool) -> Spec {
    Spec { at, rating, text, choice }
}

/// A written response as the tests know it (their own account of what analytics must count).
#[derive(Clone, Debug)]
pub struct Fact {
    pub id: String,
    pub day: NaiveDate,
    pub rating: Option<u8>,
    pub complete: bool,
    pub low: bool,
    pub topics: Option<Vec<String>>,
}

/// Writes one response at `spec.at` in the response's own transaction (which marks its day).
pub async fn write(app: &TestApp, survey: &SurveyItem, spec: Spec) -> Fact {
    let questions = &survey.survey.questions;
    let mut answers = serde_json::Map::new();
    if let Some(rating) = spec.rating {
        answers.insert(questions[0].id.to_string(), json!(rating));
    }
    if spec.text {
        answers.insert(questions[1].id.to_string(), json!("The courier took ages"));
    }
    if spec.choice {
        answers.insert(questions[2].id.to_string(), json!(["Pizza"]));
    }
    let answers = survey.survey.check_json(Some(&Value::Object(answers))).expect("valid answers");
    let response = survey.survey.response_at(answers, spec.at);
    let item = ResponseItem::new(response.clone());
    let stored = responses::submit(&app.app, survey, &item, None).await.expect("response written");
    assert_eq!(stored, Submitted::Stored);
    Fact {
        id: response.id.to_string(),
        day: spec.at.date(),
        rating: spec.rating,
        complete: spec.rating.is_some() && spec.text && spec.choice,
        low: spec.rating.is_some_and(|r| r < survey.survey.threshold),
        topics: None,
    }
}

/// Writes many responses, 16 at a time; the facts in the order of `specs`.
pub async fn write_all(app: &TestApp, survey: &SurveyItem, specs: Vec<Spec>) -> Vec<Fact> {
    stream::iter(specs).map(|spec| write(app, survey, spec)).buffered(16).collect().await
}

/// Gives a response its topics as the topics function does: `topics` set on the response, and
/// its day marked again.
pub async fn set_topics(app: &TestApp, survey: &str, fact: &mut Fact, topics: &[&str]) {
    let list = AttributeValue::L(topics.iter().map(|t| s(*t)).collect());
    app.app
        .db
        .update_item()
        .table_name(&app.app.tables.feedback)
        .key("pk", s(survey))
        .key("sk", s(fact.id.as_str()))
        .update_expression("SET topics = :list")
        .condition_expression("attribute_exists(pk)")
        .expression_attribute_values(":list", list)
        .send()
        .await
        .expect("topics written");
    let id = SurveyId::parse(survey).expect("a survey id");
    survey_days::mark(&app.app, &id, fact.day).await.expect("day marked");
    fact.topics = Some(topics.iter().map(|t| t.to_string()).collect());
}

/// Sets topics on several responses, 16 at a time: (index in `facts`, topics).
pub async fn set_all_topics(app: &TestApp, survey: &str, facts: &mut [Fact], topics: Vec<(usize, Vec<&str>)>) {
    let mut updates: Vec<(Fact, Vec<&str>)> = topics.into_iter().map(|(i, t)| (facts[i].clone(), t)).collect();
    stream::iter(updates.iter_mut())
        .for_each_concurrent(16, |(fact, topics)| async move { set_topics(app, survey, fact, topics).await })
        .await;
    for (fact, _) in updates {
        let index = facts.iter().position(|f| f.id == fact.id).expect("a written response");
        facts[index] = fact;
    }
}
