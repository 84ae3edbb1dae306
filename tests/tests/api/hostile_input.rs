//! Hostile input, through the real gateway: no request, however malformed, makes a handler panic,
//! answer 5xx or drop the connection.
//!
//! The property test takes every route of template.yaml (so a new route is covered as soon as it
//! is declared) and throws arbitrary text at each query parameter any handler reads, at each JSON
//! body field (and nested field) any handler reads, at the survey page's form fields, at each path
//! parameter and at the whole body: huge and negative numbers, years far outside chrono's range,
//! unicode, control characters, raw and broken percent-escapes, the empty string. Every answer
//! must be below 500 and carry `X-Content-Type-Options: nosniff`. Path parameters otherwise name
//! real things of the test's own account, so each hostile value reaches the code past the lookups.
//!
//! Beside it, fixed checks: dates outside the years 2000–9999 are a 400 naming the field, and the
//! inputs found answering 5xx stay fixed.

use futures::StreamExt;
use hearken::plans::Plan;
use hearken_tests::{encode, spawn_app_without_topics, TestApp};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestError, TestRunner};
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

/// Rounds of the property at most: each sends one hostile value to every target (about 770
/// requests, 10–25 s on two cores). After the first, another starts only while the rounds so far
/// took less than [`ROUNDS_BUDGET`], so the file stays well under a minute on a busy machine.
const ROUNDS: u32 = 4;
const ROUNDS_BUDGET: Duration = Duration::from_secs(15);
/// Requests in flight at once (the local gateway runs 16 at a time).
const IN_FLIGHT: usize = 12;
/// Source addresses the requests rotate through (127.0.1.x): the widget and the survey page limit
/// each client IP per minute, and a 429 would stop a hostile value before the code it targets.
const SOURCE_ADDRESSES: u8 = 200;
/// Owner keys the keyed requests rotate through, for the same reason (1,200 a minute each).
const OWNER_KEYS: usize = 4;

/// Every query parameter a handler reads (`optional_query` / `query_number`), plus `api_key`,
/// which is sent without the `x-api-key` header so the hostile key itself is parsed. Names found
/// in the handlers' sources are added at run time, so a new parameter is covered too.
const QUERY_PARAMS: &[&str] = &[
    "api_key",
    "cursor",
    "end",
    "from",
    "limit",
    "lowRated",
    "maxRating",
    "offset",
    "page",
    "pageSize",
    "project",
    "projectSlug",
    "ref",
    "search",
    "since",
    "source",
    "start",
    "status",
    "to",
];

/// Every JSON body field a handler reads, as paths (`questions.0.type`: the first question's
/// `type`); `{q0}`…`{q3}` stand for the survey's question ids. Each is sent to every route with a
/// body, on top of that route's valid body, so the other fields do not stop the request first.
const BODY_FIELDS: &[&str] = &[
    "allowedDomains",
    "allowedDomains.0",
    "allowedIps",
    "allowedIps.0",
    "allowedProjects",
    "allowedProjects.0",
    "answers",
    "answers.{q0}",
    "answers.{q1}",
    "answers.{q2}",
    "answers.{q3}",
    "answers.q_unknown",
    "context",
    "context.url",
    "description",
    "discoverTopics",
    "enabled",
    "events",
    "events.0",
    "examples",
    "examples.0",
    "expiresAt",
    "message",
    "name",
    "projectId",
    "questions",
    "questions.0",
    "questions.0.id",
    "questions.0.maxLength",
    "questions.0.multiple",
    "questions.0.options",
    "questions.0.options.0",
    "questions.0.required",
    "questions.0.text",
    "questions.0.type",
    "rateLimitPerMinute",
    "ref",
    "role",
    "surveyId",
    "url",
    "slug",
    "status",
    "thankYouMessage",
    "threshold",
    "useCase",
    "website",
    "welcomeMessage",
];

/// The survey page's form fields (its question ids, the respondent reference, the honeypot and a
/// stray name).
const FORM_FIELDS: &[&str] = &["{q0}", "{q1}", "{q2}", "{q3}", "ref", "website", "stray"];

/// Values chosen by hand: numbers past every integer type, dates past chrono's range and past
/// 2000–9999, broken escapes, odd unicode, values of the API's own enums.
const CURATED: &[&str] = &[
    "",
    " ",
    "0",
    "-0",
    "-1",
    "1.5",
    "1e3",
    "NaN",
    "-Infinity",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "99999999999999999999999999999999999999999999999999",
    "1e308",
    "1e309",
    "-1e309",
    "4.9e-324",
    "-262143-01-15",
    "-262144-01-01",
    "+262142-12-31",
    "262143-12-31",
    "+999999-01-01",
    "0000-01-01",
    "0000-01-01T00:00:00+00:01",
    "1969-12-31T23:59:59.999Z",
    "1999-12-31",
    "2000-01-01T00:00:00+01:00",
    "9999-12-31",
    "9999-12-31T23:59:59-23:59",
    "10000-01-01",
    "2025-02-30",
    "2025-13-01",
    "2025-00-00",
    "2025-01-01T24:00:00Z",
    "2025-01-01T23:59:60Z",
    "2025-01-01T00:00:00+99:99",
    "2025-1-1",
    "%",
    "%%",
    "%0",
    "%00",
    "%zz",
    "%FF%FE",
    "%C0%AF",
    "%E2%82",
    "%2525",
    "%u0041",
    "\u{0}",
    "\u{7f}",
    "\u{FEFF}",
    "\u{202E}",
    "\u{1F600}",
    "\u{10FFFF}",
    "İ",
    "a\u{300}\u{300}\u{300}",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "srv_",
    "proj_",
    "${jndi:ldap://x}",
    "true",
    "null",
    "[]",
    "{}",
    "NEW",
    "RESOLVED",
    "API",
    "owner",
    "READ_ONLY",
    "ACTIVE",
    "CHOICE",
];

/// Numbers written straight into a JSON body (no `serde_json::Value` can hold them).
const RAW_NUMBERS: &[&str] =
    &["1e400", "-1e400", "123456789012345678901234567890", "-0", "0.0000000000000000000001", "1E+2"];

/// One hostile value: as text (query, form, path, whole body) and as JSON (a body field).
#[derive(Clone, Debug)]
struct Hostile {
    text: String,
    json: Json,
    /// Sent raw in a query or form (percent signs and all) rather than percent-encoded.
    raw: bool,
}

#[derive(Clone, Debug)]
enum Json {
    Value(Value),
    RawNumber(&'static str),
}

fn hostile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(CURATED).prop_map(str::to_owned),
        2 => "[+-]?[0-9]{1,7}-[0-9]{1,3}-[0-9]{1,3}(T[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,12})?(Z|[+-][0-9]{2}:[0-9]{2})?)?",
        2 => "[+-]?[0-9]{1,45}(\\.[0-9]{0,5})?([eE][+-]?[0-9]{1,4})?",
        2 => any::<String>(),
        1 => "(%[0-9A-Fa-f]{0,2}|[a-z_ &=+#?/;]){0,16}",
        1 => (proptest::sample::select(&["9", "-", "\u{1F600}", "%", "a", "2025-01-01"][..]), 500..3000usize)
            .prop_map(|(unit, n)| unit.repeat(n)),
    ]
}

fn hostile_json() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        6 => hostile_text().prop_map(Value::String),
        1 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        1 => any::<f64>().prop_map(|f| json!(f)),
        1 => proptest::sample::select(&[Value::Null, Value::Bool(true), Value::Bool(false)][..]),
    ];
    let value = leaf.prop_recursive(2, 8, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Array),
            vec((hostile_text(), inner), 0..3).prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    });
    prop_oneof![
        9 => value.prop_map(Json::Value),
        1 => proptest::sample::select(RAW_NUMBERS).prop_map(Json::RawNumber),
    ]
}

fn hostile() -> impl Strategy<Value = Hostile> {
    (hostile_text(), hostile_json(), any::<bool>()).prop_map(|(text, json, raw)| Hostile { text, json, raw })
}

/// Where a hostile value goes.
#[derive(Clone, Debug)]
enum Slot {
    Query(String),
    /// Every query parameter at once, each with its own value: for the routes that take a body or
    /// delete, which read no query parameter (a new one that does still gets each of them).
    AllQueries(Vec<String>),
    Body(String),
    Form(String),
    /// The i-th path parameter.
    Path(usize),
    /// The whole body, as `application/json`.
    WholeBody,
}

#[derive(Clone, Debug)]
struct Target {
    method: String,
    /// The route's path with `{name}` parameters, as template.yaml declares it.
    path: String,
    slot: Slot,
}

impl Target {
    fn route_key(&self) -> String {
        format!("{} {}", self.method, self.path)
    }

    fn has_body(&self) -> bool {
        matches!(self.method.as_str(), "POST" | "PUT" | "PATCH")
    }

    /// Whether the route changes or removes what its path names: then the path names the
    /// account's throwaway things, so the rest of the run keeps its project, survey and keys.
    fn mutates(&self) -> bool {
        matches!(self.method.as_str(), "PUT" | "PATCH" | "DELETE")
    }
}

/// A BUSINESS account with something real behind every path parameter.
struct Fixture {
    app: TestApp,
    /// Clients bound to different loopback source addresses.
    clients: Vec<reqwest::Client>,
    owner_keys: Vec<String>,
    /// Path parameter → (id for reads and creates, id of a throwaway for changes and deletes).
    ids: HashMap<&'static str, (String, String)>,
    questions: Vec<String>,
}

/// Where the fixture's webhooks point (loopback, which the local stack allows; nobody listens).
const WEBHOOK_URL: &str = "http://127.0.0.1:9/hook";

/// A survey with a question of each kind.
fn survey_body(name: &str) -> Value {
    json!({
        "name": name,
        "projectId": Value::Null,
        "questions": [
            {"type": "RATING", "text": "How was it?", "required": true},
            {"type": "TEXT", "text": "Tell us more", "maxLength": 50},
            {"type": "CHOICE", "text": "Pick one", "options": ["A", "B"]},
            {"type": "CHOICE", "text": "Pick some", "options": ["X", "Y", "Z"], "multiple": true}
        ]
    })
}

impl Fixture {
    async fn new() -> Fixture {
        let app = spawn_app_without_topics().await;
        let (account, owner) = app.account(Plan::Business).await;
        let owner = owner.expose().to_owned();
        let created = |reply: hearken_tests::Reply, what: &str| -> Value {
            assert!(reply.status == 201 || reply.status == 200, "{what}: {} {}", reply.status, reply.body);
            reply.body["data"].clone()
        };
        let id = |data: &Value| data["id"].as_str().expect("an id").to_owned();

        let mut owner_keys = vec![owner.clone()];
        for i in 1..OWNER_KEYS {
            let body = json!({"name": format!("owner {i}"), "role": "owner"});
            let data = created(app.call("POST", "/api/v1/keys", &owner, Some(body)).await, "owner key");
            owner_keys.push(data["key"].as_str().expect("the new key").to_owned());
        }
        let victim_key =
            created(app.call("POST", "/api/v1/keys", &owner, Some(json!({"name": "victim"}))).await, "key");
        let (project, _) = app.project(&account).await;
        let (victim_project, _) = hearken::admin::create_project(&app.app, &account.id, "Victim project", None)
            .await
            .expect("a second project");
        let mut feedback = vec![];
        for _ in 0..2 {
            let path = format!("/api/projects/{}/feedback", project.id);
            let body = json!({"message": "A real piece of feedback"});
            feedback.push(id(&created(app.call("POST", &path, &owner, Some(body)).await, "feedback")));
        }
        let survey = created(app.call("POST", "/api/v1/surveys", &owner, Some(survey_body("Main"))).await, "survey");
        let victim_survey =
            created(app.call("POST", "/api/v1/surveys", &owner, Some(survey_body("Victim"))).await, "survey");
        let questions = survey["questions"]
            .as_array()
            .expect("questions")
            .iter()
            .map(|q| q["id"].as_str().expect("a question id").to_owned())
            .collect();

        let hook = json!({"url": WEBHOOK_URL});
        let webhook = id(&created(app.call("POST", "/api/v1/webhooks", &owner, Some(hook.clone())).await, "webhook"));
        let victim_webhook = id(&created(app.call("POST", "/api/v1/webhooks", &owner, Some(hook)).await, "webhook"));
        let ping = app.call("POST", &format!("/api/v1/webhooks/{webhook}/test"), &owner, None).await;
        assert_eq!(ping.status, 202, "ping: {}", ping.body);
        let delivery = id(&ping.body["data"]);
        let guide = |survey: &str| {
            let path = format!("/api/v1/surveys/{survey}/topic-guides");
            let body = json!({"name": format!("guide of {survey}"), "examples": ["late again", "cold food"]});
            let app = &app;
            let owner = owner.clone();
            async move { id(&created(app.call("POST", &path, &owner, Some(body)).await, "topic guide")) }
        };
        let (survey_guide, victim_guide) = (guide(&id(&survey)).await, guide(&id(&victim_survey)).await);
        let ids = HashMap::from([
            ("projectId", (project.id.to_string(), victim_project.id.to_string())),
            ("id", (feedback[0].clone(), feedback[1].clone())),
            ("keyId", (id(&victim_key), id(&victim_key))),
            ("surveyId", (id(&survey), id(&victim_survey))),
            ("webhookId", (webhook, victim_webhook)),
            ("deliveryId", (delivery.clone(), delivery)),
            ("guideId", (survey_guide, victim_guide)),
            // Swagger UI's files: public, the same for everyone.
            ("proxy", ("index.html".to_owned(), "index.html".to_owned())),
        ]);
        let clients = (1..=SOURCE_ADDRESSES)
            .map(|n| {
                reqwest::Client::builder()
                    .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 1, n)))
                    .timeout(Duration::from_secs(50))
                    .build()
                    .expect("a client")
            })
            .collect();
        Fixture { app, clients, owner_keys, ids, questions }
    }

    /// `{q0}`…`{q3}` replaced by the survey's question ids.
    fn with_questions(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for (i, question) in self.questions.iter().enumerate() {
            text = text.replace(&format!("{{q{i}}}"), question);
        }
        text
    }

    /// A body the route accepts (or at least reads to the end), so that a hostile field is what
    /// stops it. Routes not listed here get `{}`.
    fn valid_body(&self, route: &str) -> Value {
        let answers = json!({
            "answers": {
                &self.questions[0]: 4,
                &self.questions[1]: "Fine",
                &self.questions[2]: "A",
                &self.questions[3]: ["X", "Z"]
            }
        });
        match route {
            "POST /api/projects" => json!({"name": "Hostile project"}),
            "PUT /api/projects/{projectId}" => json!({"name": "Victim project"}),
            "POST /api/projects/{projectId}/feedback" | "POST /api/widget/{projectId}/feedback" => {
                json!({"message": "Hello", "context": {"url": "https://example.com"}})
            }
            "PUT /api/feedback/{id}" => json!({"status": "REVIEWED"}),
            "POST /api/v1/keys" => json!({"name": "Hostile key"}),
            "PATCH /api/v1/keys/{keyId}" => json!({"name": "Victim key"}),
            "POST /api/v1/surveys" => survey_body("Hostile survey"),
            "PATCH /api/v1/surveys/{surveyId}" => json!({"name": "Victim survey"}),
            "POST /s/{surveyId}" => answers,
            "POST /api/v1/webhooks" => json!({"url": WEBHOOK_URL}),
            "PATCH /api/v1/webhooks/{webhookId}" => json!({"description": "Victim hook"}),
            "POST /api/v1/surveys/{surveyId}/topic-guides" => json!({"name": "Hostile guide", "examples": ["x"]}),
            "PATCH /api/v1/surveys/{surveyId}/topic-guides/{guideId}" => json!({"name": "Victim guide"}),
            _ => json!({}),
        }
    }

    /// The routes of template.yaml, each with every slot it has.
    fn targets(&self) -> Vec<Target> {
        let mut query_params: BTreeSet<String> = QUERY_PARAMS.iter().map(|s| s.to_string()).collect();
        query_params.extend(query_params_in_sources());
        let mut targets = vec![];
        for (route, _) in self.app.template.routes() {
            let target = |slot| Target { method: route.method.to_ascii_uppercase(), path: route.path.clone(), slot };
            if route.method.eq_ignore_ascii_case("GET") {
                for name in &query_params {
                    targets.push(target(Slot::Query(name.clone())));
                }
            } else {
                targets.push(target(Slot::Query("api_key".to_owned())));
                targets
                    .push(target(Slot::AllQueries(query_params.iter().filter(|n| *n != "api_key").cloned().collect())));
            }
            for (i, name) in path_params(&route.path).into_iter().enumerate() {
                assert!(
                    self.ids.contains_key(name.as_str()),
                    "{} {}: tests/tests/hostile_input.rs has no real id for {{{name}}}; add one to Fixture::ids",
                    route.method,
                    route.path
                );
                targets.push(target(Slot::Path(i)));
            }
            if target(Slot::WholeBody).has_body() {
                targets.push(target(Slot::WholeBody));
                for field in BODY_FIELDS {
                    targets.push(target(Slot::Body(self.with_questions(field))));
                }
            }
            if route.method.eq_ignore_ascii_case("POST") && route.path.starts_with("/s/") {
                for field in FORM_FIELDS {
                    targets.push(target(Slot::Form(self.with_questions(field))));
                }
            }
        }
        assert!(targets.len() > 400, "the template's routes: {} targets", targets.len());
        targets
    }

    /// Sends `input` to `target`; what was wrong with the answer, if anything.
    async fn send(&self, n: usize, target: &Target, input: &Hostile) -> Option<String> {
        let mut path = String::new();
        let mut param = 0;
        for segment in target.path.split('/').skip(1) {
            path.push('/');
            match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => {
                    let (read, mutated) = &self.ids[name.trim_end_matches('+')];
                    path.push_str(&match target.slot {
                        Slot::Path(i) if i == param => encode(&input.text),
                        _ if target.mutates() => mutated.clone(),
                        _ => read.clone(),
                    });
                    param += 1;
                }
                None => path.push_str(segment),
            }
        }
        let query_value = |text: &str| if input.raw { raw(text) } else { encode(text) };
        let query = match &target.slot {
            Slot::Query(name) => format!("?{name}={}", query_value(&input.text)),
            Slot::AllQueries(names) => {
                // Each its own value: the text cut at a different place, so none is shared.
                let chars: Vec<char> = input.text.chars().collect();
                let pairs: Vec<String> = names
                    .iter()
                    .enumerate()
                    .map(|(i, name)| {
                        // At most 150 characters each, so the whole URL stays under the 64 KiB an
                        // HTTP client can send (API Gateway itself stops at 10 KiB).
                        let cut: String = chars[chars.len() * i / names.len()..].iter().take(150).collect();
                        format!("{name}={}", query_value(&cut))
                    })
                    .collect();
                format!("?{}", pairs.join("&"))
            }
            _ => String::new(),
        };
        let url = format!("{}{path}{query}", self.app.base);
        let method = reqwest::Method::from_bytes(target.method.as_bytes()).expect("an HTTP method");
        let mut request = self.clients[n % self.clients.len()].request(method, &url);
        if !matches!(&target.slot, Slot::Query(name) if name == "api_key") {
            request = request.header("x-api-key", &self.owner_keys[n % self.owner_keys.len()]);
        }
        let body = match &target.slot {
            _ if !target.has_body() => None,
            Slot::WholeBody => Some(("application/json", input.text.clone())),
            Slot::Form(field) => {
                let mut fields: Vec<(String, String)> = vec![
                    (self.questions[0].clone(), "4".into()),
                    (self.questions[3].clone(), "X".into()),
                    ("website".into(), String::new()),
                ];
                fields.retain(|(name, _)| name != field);
                fields.push((field.clone(), input.text.clone()));
                let pairs: Vec<String> =
                    fields.iter().map(|(name, value)| format!("{}={}", encode(name), query_value(value))).collect();
                Some(("application/x-www-form-urlencoded", pairs.join("&")))
            }
            Slot::Body(field) => {
                const SENTINEL: &str = "\u{1}raw number\u{1}";
                let mut body = self.valid_body(&target.route_key());
                let (value, raw_number) = match &input.json {
                    Json::Value(value) => (value.clone(), None),
                    Json::RawNumber(number) => (Value::from(SENTINEL), Some(*number)),
                };
                set_path(&mut body, &field.split('.').collect::<Vec<_>>(), value);
                let mut text = body.to_string();
                if let Some(number) = raw_number {
                    text = text.replace(&Value::from(SENTINEL).to_string(), number);
                }
                Some(("application/json", text))
            }
            _ => Some(("application/json", self.valid_body(&target.route_key()).to_string())),
        };
        if let Some((content_type, body)) = &body {
            request = request.header("content-type", *content_type).body(body.clone());
        }
        let what = || {
            // Long values cut, so a failure stays readable.
            let cut = |text: &str| match text.char_indices().nth(400) {
                Some((at, _)) => format!("{}… ({} bytes)", &text[..at], text.len()),
                None => text.to_owned(),
            };
            let body = body.as_ref().map(|(_, b)| cut(b)).unwrap_or_default();
            let slot = cut(&format!("{:?}", target.slot));
            format!("{} {} (route {}, {slot}) body {body}", target.method, cut(&url), target.route_key())
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return Some(format!("no answer ({error}) to {}", what())),
        };
        let status = response.status().as_u16();
        let nosniff = response.headers().get("x-content-type-options").and_then(|v| v.to_str().ok()) == Some("nosniff");
        let text = match response.text().await {
            Ok(text) => text,
            Err(error) => return Some(format!("a cut answer ({error}) to {}", what())),
        };
        if status >= 500 {
            return Some(format!("{status} {} to {}", text.chars().take(300).collect::<String>(), what()));
        }
        if !nosniff {
            return Some(format!("{status} without X-Content-Type-Options: nosniff to {}", what()));
        }
        None
    }

    /// Sends one value to each target; every failure found.
    async fn round(&self, targets: &[Target], inputs: &[Hostile]) -> Vec<String> {
        let sends = targets.iter().zip(inputs).enumerate().map(|(n, (target, input))| self.send(n, target, input));
        futures::stream::iter(sends).buffer_unordered(IN_FLIGHT).filter_map(|failure| async { failure }).collect().await
    }
}

/// The `{name}` parameters of a route's path, in order.
fn path_params(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|s| s.trim_end_matches('+').to_owned())
        .collect()
}

/// Query parameter names the handlers read by literal name (`optional_query(req, "since")`,
/// `query_number(req, "limit", …)`), from the workspace's sources.
fn query_params_in_sources() -> BTreeSet<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace");
    let mut names = BTreeSet::new();
    let mut folders = vec![root.join("functions"), root.join("shared/src")];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap_or_default();
                for call in ["optional_query(req, \"", "query_number(req, \""] {
                    for (at, _) in text.match_indices(call) {
                        let rest = &text[at + call.len()..];
                        if let Some(end) = rest.find('"') {
                            names.insert(rest[..end].to_owned());
                        }
                    }
                }
            }
        }
    }
    assert!(names.contains("limit"), "the handlers' query parameters are found in their sources: {names:?}");
    names
}

/// Sets `value` at `path` in `root`, making the objects and arrays on the way.
fn set_path(root: &mut Value, path: &[&str], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        *root = value;
        return;
    };
    let child = match first.parse::<usize>() {
        Ok(index) => {
            if !root.is_array() {
                *root = Value::Array(vec![]);
            }
            let items = root.as_array_mut().expect("an array");
            while items.len() <= index {
                items.push(json!({}));
            }
            &mut items[index]
        }
        Err(_) => {
            if !root.is_object() {
                *root = json!({});
            }
            root.as_object_mut().expect("an object").entry(first.to_string()).or_insert(Value::Null)
        }
    };
    set_path(child, rest, value);
}

/// `text` nearly as typed: only what would end the value is escaped, so percent signs, broken
/// escapes and `+` reach the gateway's decoding as they are.
fn raw(text: &str) -> String {
    text.replace('#', "%23").replace('&', "%26")
}

#[test]
fn no_hostile_input_gets_a_5xx_or_a_dropped_connection() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let started = Instant::now();
    let fixture = runtime.block_on(Fixture::new());
    let targets = fixture.targets();
    eprintln!(
        "{} targets over {} routes, set up in {:?}",
        targets.len(),
        fixture.app.template.routes().count(),
        started.elapsed()
    );

    let config = Config {
        cases: ROUNDS,
        // Each case is a whole round of requests: a failure names its requests itself.
        max_shrink_iters: 0,
        failure_persistence: None,
        ..Config::default()
    };
    // The runner takes an `Fn`: the rounds' count and time live in cells.
    let (spent, rounds) = (std::cell::Cell::new(Duration::ZERO), std::cell::Cell::new(0));
    let result = TestRunner::new(config).run(&vec(hostile(), targets.len()), |inputs| {
        if rounds.get() > 0 && spent.get() > ROUNDS_BUDGET {
            return Ok(());
        }
        let round = Instant::now();
        let failures = runtime.block_on(fixture.round(&targets, &inputs));
        spent.set(spent.get() + round.elapsed());
        rounds.set(rounds.get() + 1);
        eprintln!("round {}: {} requests in {:?}", rounds.get(), targets.len(), round.elapsed());
        prop_assert!(
            failures.is_empty(),
            "{} of {} requests failed:\n{}",
            failures.len(),
            targets.len(),
            failures.join("\n")
        );
        Ok(())
    });
    match result {
        Ok(()) => {}
        Err(TestError::Fail(reason, _)) => panic!("{reason}"),
        Err(error) => panic!("{error}"),
    }
    eprintln!("done in {:?}", started.elapsed());
    drop(fixture);
}

/// Dates outside 2000–9999 (some outside what chrono can add a day to) in every date parameter:
/// a 400 that names the parameter. `to=-262143-01-15` used to panic in the analytics function.
#[test]
fn dates_outside_the_years_2000_to_9999_are_a_400_naming_the_field() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let fixture = Fixture::new().await;
        let survey = &fixture.ids["surveyId"].0;
        let key = &fixture.owner_keys[0];
        let routes = [
            (format!("/api/v1/surveys/{survey}/analytics"), ["from", "to"].as_slice()),
            (format!("/api/v1/surveys/{survey}/topics"), &["from", "to"]),
            (format!("/api/v1/surveys/{survey}/feedback"), &["since"]),
            ("/api/feedback".to_owned(), &["start", "end"]),
        ];
        let dates = [
            "-262143-01-15",
            "-262144-01-01",
            "+262142-12-31",
            "262143-12-31",
            "0000-01-01",
            "1999-12-31",
            "1999-12-31T23:59:59Z",
            "10000-01-01",
            "9999-12-31T23:59:59-23:59",
        ];
        for (path, params) in &routes {
            for param in *params {
                for date in dates {
                    let url = format!("{path}?{param}={}", encode(date));
                    let reply = fixture.app.call("GET", &url, key, None).await;
                    assert_eq!(reply.status, 400, "{url}: {}", reply.body);
                    assert!(reply.error().contains(&format!("'{param}'")), "{url}: {}", reply.body);
                    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{url}");
                }
            }
            // The first and last days allowed are fine.
            for date in ["2000-01-01", "9999-12-31"] {
                let query: Vec<String> = params.iter().map(|param| format!("{param}={date}")).collect();
                let url = format!("{path}?{}", query.join("&"));
                let reply = fixture.app.call("GET", &url, key, None).await;
                assert_eq!(reply.status, 200, "{url}: {}", reply.body);
            }
        }
        drop(fixture);
    });
}

/// Inputs found answering 5xx (or worse), kept as fixed cases: a feedback `context` that DynamoDB
/// cannot store (a number outside its range, nesting past its 32 levels, an empty key), a key's
/// `expiresAt` past 9999 in UTC, and a `projectSlug` longer than a DynamoDB key may be.
#[test]
fn known_hostile_inputs_are_refused_or_stored_never_a_5xx() {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    runtime.block_on(async {
        let fixture = Fixture::new().await;
        let project = &fixture.ids["projectId"].0;
        let mut nested = json!(1);
        for _ in 0..40 {
            nested = json!({ "a": nested });
        }
        let contexts = [
            ("-3.053749402855164e182", json!({"n": -3.053749402855164e182})),
            ("1e200", json!({"n": 1e200})),
            ("1e-200", json!({"n": 1e-200})),
            ("f64::MAX", json!({"n": f64::MAX})),
            ("40 levels", nested),
            ("an empty key", json!({"": "x"})),
            ("an empty set", json!({"list": []})),
        ];
        let mut failures = vec![];
        for path in [format!("/api/projects/{project}/feedback"), format!("/api/widget/{project}/feedback")] {
            for (what, context) in &contexts {
                let body = json!({"message": "Hello", "context": context});
                let reply = fixture.app.call("POST", &path, &fixture.owner_keys[0], Some(body)).await;
                if reply.status >= 500 {
                    failures.push(format!("{path} context {what}: {} {}", reply.status, reply.body));
                }
            }
        }
        // An expiry that is in the years 0000–9999 as written but not in UTC: stored, it could not
        // be read back, and every later read of the keys would fail.
        let owner = &fixture.owner_keys[0];
        let body = json!({"name": "Far future", "expiresAt": "9999-12-31T23:59:59-23:59"});
        let created = fixture.app.call("POST", "/api/v1/keys", owner, Some(body)).await;
        assert_eq!(created.status, 400, "{}", created.body);
        assert!(created.error().contains("expiresAt"), "{}", created.body);
        assert_eq!(fixture.app.call("GET", "/api/v1/keys", owner, None).await.status, 200);

        let long = "a".repeat(3000);
        for query in [format!("projectSlug={long}"), format!("projectSlug={}", "%F0%9F%98%80".repeat(600))] {
            let path = format!("/api/feedback?{query}");
            let reply = fixture.app.call("GET", &path, &fixture.owner_keys[0], None).await;
            if reply.status >= 500 {
                failures.push(format!("{}: {} {}", &path[..60], reply.status, reply.body));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        drop(fixture);
    });
}
