//! The nightly rollup: idempotent, a crash half-way mended by the next run, its work found in the
//! index and resumed, today left alone.

use crate::common::analytics::*;
use chrono::NaiveDate;
use fastrand::Rng;
use hearken::analytics::DayRollup;
use hearken::ids::SurveyId;
use hearken::rollup_job::{self, RollupReport};
use hearken::store::survey_days;
use hearken::time::Timestamp;
use hearken_tests::{spawn_app_without_topics, TestApp};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Responses on a few past days and today, with topics on most.
async fn some_responses(app: &TestApp, fixture: &Fixture, today: NaiveDate, seed: u64) -> Vec<Fact> {
    let mut rng = Rng::with_seed(seed);
    let mut facts = write_all(app, &fixture.item, random_specs(&mut rng, today, 40)).await;
    facts.sort_by_key(|f| f.id.clone());
    let topics = random_topics(&mut rng, &facts, 80);
    set_all_topics(app, &fixture.id, &mut facts, topics).await;
    facts
}

#[tokio::test]
async fn the_rollup_is_idempotent_and_recounts_a_day_marked_again() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    let fixture = create_survey(&app, &key, 3).await;
    let id = fixture.id.clone();
    let survey = SurveyId::parse(&id).unwrap();
    let mut facts = some_responses(&app, &fixture, today, 11).await;
    let past: BTreeSet<NaiveDate> = facts.iter().map(|f| f.day).filter(|d| *d < today).collect();

    let first = rollup_job::run(&app.app, today, far()).await.unwrap();
    assert_eq!((first.days, first.stopped_early), (past.len() as u64, false));
    let once = day_items(&app, &id).await;
    check_rollup_items(&once, &facts, today, "first run");
    let answer = data(&app, &key, &analytics_path(&id, days_before(today, 45), today)).await;

    // Nothing marked: a second run does nothing and leaves every item as it was.
    let second = rollup_job::run(&app.app, today, far()).await.unwrap();
    assert_eq!(second, RollupReport::default());
    assert_eq!(day_items(&app, &id).await.rollups, once.rollups);

    // Every day marked again (as topic changes do) and rolled up again: the same items.
    for day in &past {
        survey_days::mark(&app.app, &survey, *day).await.unwrap();
    }
    let third = rollup_job::run(&app.app, today, far()).await.unwrap();
    assert_eq!((third.days, third.remarked, third.stopped_early), (past.len() as u64, 0, false));
    let again = day_items(&app, &id).await;
    assert_eq!(again.rollups_without(&["computedAt"]), once.rollups_without(&["computedAt"]), "rolled up twice");
    assert_eq!(again.marked(), live_days(&facts, today));
    assert_eq!(data(&app, &key, &analytics_path(&id, days_before(today, 45), today)).await, answer);

    // A late response on a rolled-up day marks it again: it counts at once (live), and the next
    // run recounts that day alone.
    let day = *past.iter().next().unwrap();
    let late = write(&app, &fixture.item, spec(at(day, 12 * 3_600_000), Some(2), true, true)).await;
    facts.push(late);
    assert!(survey_days::mark_count(&app.app, &survey, day).await.unwrap().is_some(), "the day is marked again");
    let answer = data(&app, &key, &analytics_path(&id, days_before(today, 45), today)).await;
    check_analytics(&answer, &facts, days_before(today, 45), today, "after a late response");
    let fourth = rollup_job::run(&app.app, today, far()).await.unwrap();
    let expected = RollupReport {
        days: 1,
        responses_read: within(&facts, day, day).count() as u64,
        remarked: 0,
        stopped_early: false,
    };
    assert_eq!(fourth, expected);
    let after = day_items(&app, &id).await;
    check_rollup_items(&after, &facts, today, "after the late response");
    for (other, item) in &after.rollups {
        if *other != day {
            assert_eq!(item, &again.rollups[other], "{other} was not rewritten");
        }
    }
    assert_eq!(data(&app, &key, &analytics_path(&id, days_before(today, 45), today)).await, answer);
}

#[tokio::test]
async fn after_a_crash_half_way_the_next_run_gives_the_items_of_a_clean_run() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    // Two surveys with the same responses: one rolled up through crashes, one cleanly.
    let crashed = create_survey(&app, &key, 3).await;
    let clean = create_survey(&app, &key, 3).await;
    let specs = random_specs(&mut Rng::with_seed(99), today, 120);
    let mut facts = vec![];
    for fixture in [&crashed, &clean] {
        let mut written = write_all(&app, &fixture.item, specs.clone()).await;
        let topics = random_topics(&mut Rng::with_seed(5), &written, 80);
        set_all_topics(&app, &fixture.id, &mut written, topics).await;
        facts.push(written);
    }
    let past: BTreeSet<NaiveDate> = facts[0].iter().map(|f| f.day).filter(|d| *d < today).collect();
    let reads = |survey: &str| {
        vec![
            analytics_read(survey, days_before(today, 45), today),
            topics_read(survey, days_before(today, 45), today, 100),
        ]
    };
    let (crashed_reads, clean_reads) = (reads(&crashed.id), reads(&clean.id));
    let clean_live = read_all(&app, &key, &clean_reads).await;
    check_reads(&clean_reads, &clean_live, &facts[1], "clean, live");

    // A crash half-way: some days rolled up, one day's rollup written with its mark still there
    // (the crash came between the write and the clearing; here a wrong rollup, to show it is
    // never read while the day is marked).
    let survey = SurveyId::parse(&crashed.id).unwrap();
    let days: Vec<NaiveDate> = past.iter().copied().collect();
    for day in days.iter().step_by(2) {
        rollup_job::roll_day(&app.app, &survey, *day).await.unwrap();
    }
    let wrong = DayRollup { responses: 999, rating_sum: 999, rating_count: 1, ..DayRollup::default() };
    survey_days::put_rollup(&app.app, &survey, days[1], wrong).await.unwrap();
    assert_same_answers(&crashed_reads, &clean_live, &read_all(&app, &key, &crashed_reads).await, "after the crash");

    // A run whose deadline has passed stops at once and leaves every mark.
    let marks = (day_items(&app, &crashed.id).await.marked(), day_items(&app, &clean.id).await.marked());
    let report = rollup_job::run(&app.app, today, Instant::now()).await.unwrap();
    assert_eq!(report, RollupReport { stopped_early: true, ..RollupReport::default() });
    assert_eq!((day_items(&app, &crashed.id).await.marked(), day_items(&app, &clean.id).await.marked()), marks);

    // Runs with short budgets stop part-way (days in hand finish; the rest stays marked), each
    // picking up where the last stopped, until one finishes: every marked day is rolled up once.
    let marked_past = marks.0.iter().chain(&marks.1).filter(|d| **d < today).count() as u64;
    let (mut days_rolled, mut budget_ms, mut runs) = (0, 5, 0);
    loop {
        let report = rollup_job::run(&app.app, today, Instant::now() + Duration::from_millis(budget_ms)).await.unwrap();
        days_rolled += report.days;
        runs += 1;
        assert_eq!(report.remarked, 0);
        let answers = read_all(&app, &key, &crashed_reads).await;
        assert_same_answers(&crashed_reads, &clean_live, &answers, &format!("after run {runs}"));
        if !report.stopped_early {
            break;
        }
        budget_ms *= 2;
        assert!(runs < 30, "the runs never finished");
    }
    assert_eq!(days_rolled, marked_past, "each marked day rolled up once over {runs} runs");

    let (a, b) = (day_items(&app, &crashed.id).await, day_items(&app, &clean.id).await);
    assert_eq!(a.rollups_without(&["pk", "computedAt"]), b.rollups_without(&["pk", "computedAt"]));
    check_rollup_items(&a, &facts[0], today, "crashed");
    assert_eq!((a.marked(), b.marked()), (live_days(&facts[0], today), live_days(&facts[1], today)));
    assert_same_answers(&crashed_reads, &clean_live, &read_all(&app, &key, &crashed_reads).await, "rolled up");
    assert_same_answers(&clean_reads, &clean_live, &read_all(&app, &key, &clean_reads).await, "clean, rolled up");
}

#[tokio::test]
async fn the_rollup_finds_its_work_in_the_index_resumes_and_leaves_today_alone() {
    let app = spawn_app_without_topics().await;
    let key = business(&app).await;
    let today = today().await;
    // Several surveys (their marks spread over the index's partitions), and one with a response
    // on each of 130 past days (more marks in one partition than one index page holds).
    let mut surveys = vec![];
    for seed in 0..6 {
        let fixture = create_survey(&app, &key, 3).await;
        let facts = some_responses(&app, &fixture, today, 100 + seed).await;
        surveys.push((fixture, facts));
    }
    let long = create_survey(&app, &key, 3).await;
    let specs =
        (1..=130).map(|d| spec(at(days_before(today, d), d * 1_000), Some(1 + (d % 5) as u8), true, d % 3 == 0));
    let mut facts = write_all(&app, &long.item, specs.collect()).await;
    facts.push(write(&app, &long.item, spec(Timestamp::now(), Some(5), true, true)).await);
    surveys.push((long, facts));

    let past_days: u64 = surveys
        .iter()
        .map(|(_, f)| f.iter().map(|f| f.day).filter(|d| *d < today).collect::<BTreeSet<_>>().len() as u64)
        .sum();
    let past_responses: u64 = surveys.iter().map(|(_, f)| f.iter().filter(|f| f.day < today).count() as u64).sum();
    let mut before = vec![];
    for (fixture, facts) in &surveys {
        let items = day_items(&app, &fixture.id).await;
        let days: BTreeSet<NaiveDate> = facts.iter().map(|f| f.day).collect();
        assert_eq!(items.marked(), days, "every day with a response is marked");
        assert!(items.rollups.is_empty());
        before.push(items.marked());
    }

    // Past its deadline: stops at once, every mark left.
    let report = rollup_job::run(&app.app, today, Instant::now()).await.unwrap();
    assert_eq!(report, RollupReport { stopped_early: true, ..RollupReport::default() });
    for ((fixture, facts), marked) in surveys.iter().zip(&before) {
        assert_eq!(&day_items(&app, &fixture.id).await.marked(), marked);
        let range = (days_before(today, 135), today);
        let answer = data(&app, &key, &analytics_path(&fixture.id, range.0, range.1)).await;
        check_analytics(&answer, facts, range.0, range.1, "nothing rolled up");
    }

    // The next run does it all: every finished day, from the index; today's marks stay.
    let report = rollup_job::run(&app.app, today, far()).await.unwrap();
    let expected = RollupReport { days: past_days, responses_read: past_responses, remarked: 0, stopped_early: false };
    assert_eq!(report, expected);
    let mut still_marked = BTreeSet::new();
    for (fixture, facts) in &surveys {
        let items = day_items(&app, &fixture.id).await;
        check_rollup_items(&items, facts, today, &fixture.id);
        assert_eq!(items.marked(), live_days(facts, today), "{}: only today's mark stays", fixture.id);
        if !items.marks.is_empty() {
            still_marked.insert(fixture.id.clone());
        }
        let range = (days_before(today, 135), today);
        let answer = data(&app, &key, &analytics_path(&fixture.id, range.0, range.1)).await;
        check_analytics(&answer, facts, range.0, range.1, "rolled up");
    }
    // The index holds no finished day any more, and exactly today's marks.
    let mut finished = vec![];
    let mut with_today = BTreeSet::new();
    for shard in 0..survey_days::PENDING_SHARDS {
        finished.extend(survey_days::pending_page(&app.app, shard, today, None).await.unwrap().0);
        let (marks, next) = survey_days::pending_page(&app.app, shard, today.succ_opt().unwrap(), None).await.unwrap();
        assert!(next.is_none());
        for (survey, day) in marks {
            assert_eq!(day, today);
            with_today.insert(survey.to_string());
        }
    }
    assert_eq!(finished, vec![], "no finished day left in the index");
    assert_eq!(with_today, still_marked);
    // Nothing left to do.
    assert_eq!(rollup_job::run(&app.app, today, far()).await.unwrap(), RollupReport::default());
}
