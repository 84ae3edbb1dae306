//! What a container keeps in memory between requests so a warm request spends one DynamoDB round:
//! keys (by digest, with their account's plan), public projects (the widget) and public surveys
//! (the survey page). Nothing kept here is trusted on its own: every write that relies on it
//! proves, inside its own transaction, that the stored item is still as kept (a key's version, a
//! project's allowed domains, a survey's `updatedAt`), and a failed proof hands back the item as
//! it is now, which replaces what was kept. So no revocation or change outlives one request, and
//! a cold container only pays one more round (the read that fills it).

use crate::access::KeyRecord;
use crate::plans::Plan;
use crate::store::projects::Project;
use crate::store::surveys::SurveyItem;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// Entries kept of each kind: a container that sees more distinct ones starts over (a bound on
/// memory, not a cache policy: a key or a project is a few hundred bytes).
const CAPACITY: usize = 2_000;
/// A survey can hold some 55,000 characters of questions and texts: fewer of them are kept.
const SURVEY_CAPACITY: usize = 64;

/// A key as last proven current, with its account's plan (the plan sets the key's per-minute
/// limit; the quota write proves it).
#[derive(Clone, Debug)]
pub struct KnownKey {
    pub record: KeyRecord,
    pub plan: Plan,
}

/// Everything a container keeps; one per `App` (so per table set).
#[derive(Debug, Default)]
pub struct Known {
    keys: Shelf<String, KnownKey>,
    projects: Shelf<String, Project>,
    surveys: Shelf<String, SurveyItem>,
    /// Minute windows found full (by subject: a key id, or a route and client IP): until the window
    /// turns (`reset`, Unix seconds) a request past the same `limit` is answered 429 from here,
    /// without a call. A full fixed window stays full until it turns.
    full: Shelf<String, (i64, u32)>,
}

impl Known {
    /// The key kept for `digest`.
    pub fn key(&self, digest: &str) -> Option<KnownKey> {
        self.keys.get(digest)
    }

    pub fn keep_key(&self, known: KnownKey) {
        self.keys.put(known.record.digest.clone(), known);
    }

    /// Drops a key (revoked, changed, or refused: the next request reads it again).
    pub fn forget_key(&self, digest: &str) {
        self.keys.remove(digest);
    }

    /// The active project kept for a public route.
    pub fn project(&self, id: &str) -> Option<Project> {
        self.projects.get(id)
    }

    pub fn keep_project(&self, project: Project) {
        self.projects.put(project.id.to_string(), project);
    }

    pub fn forget_project(&self, id: &str) {
        self.projects.remove(id);
    }

    /// The survey kept for the public page.
    pub fn survey(&self, id: &str) -> Option<SurveyItem> {
        self.surveys.get(id)
    }

    pub fn keep_survey(&self, survey: SurveyItem) {
        self.surveys.put_within(survey.survey.id.to_string(), survey, SURVEY_CAPACITY);
    }

    pub fn forget_survey(&self, id: &str) {
        self.surveys.remove(id);
    }

    /// Records that `subject`'s window with `limit` is full until `reset`.
    pub fn window_full(&self, subject: &str, reset: i64, limit: u32) {
        self.full.put(subject.to_owned(), (reset, limit));
    }

    /// When `subject`'s window with `limit` is known full at `now` (Unix seconds): its reset.
    pub fn full_until(&self, subject: &str, limit: u32, now: i64) -> Option<i64> {
        self.full.get(subject).filter(|(reset, full_at)| *full_at == limit && now < *reset).map(|(reset, _)| reset)
    }
}

/// One kind of entry, bounded by [`CAPACITY`].
#[derive(Debug)]
struct Shelf<K, V>(Mutex<HashMap<K, V>>);

impl<K, V> Default for Shelf<K, V> {
    fn default() -> Self {
        Shelf(Mutex::new(HashMap::new()))
    }
}

impl<K: Eq + Hash + std::borrow::Borrow<str>, V: Clone> Shelf<K, V> {
    fn get(&self, key: &str) -> Option<V> {
        self.lock().get(key).cloned()
    }

    fn put(&self, key: K, value: V) {
        self.put_within(key, value, CAPACITY);
    }

    fn put_within(&self, key: K, value: V, capacity: usize) {
        let mut map = self.lock();
        if map.len() >= capacity {
            map.clear();
        }
        map.insert(key, value);
    }

    fn remove(&self, key: &str) {
        self.lock().remove(key);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, V>> {
        // A panic while holding the lock leaves a map that is still whole: keep using it.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_shelf_starts_over() {
        let shelf: Shelf<String, u32> = Shelf::default();
        for i in 0..CAPACITY {
            shelf.put(i.to_string(), i as u32);
        }
        assert_eq!(shelf.get("7"), Some(7));
        shelf.put("new".into(), 1);
        assert_eq!(shelf.get("7"), None);
        assert_eq!(shelf.get("new"), Some(1));
        shelf.remove("new");
        assert_eq!(shelf.get("new"), None);
    }
}
