//! Owner steering: topics the owner defines by a name and a few example answers ("guides").

use crate::topics::Sample;

/// One owner-defined topic: its name (kept exactly as given) and its examples, embedded like
/// responses (`Sample { text, rating: None, vectors }`).
#[derive(Debug, Clone)]
pub struct Guide<'a> {
    pub name: &'a str,
    pub examples: Vec<Sample<'a>>,
}

/// How the owner steers a survey's topics: the guides (always topics, first in the set, under
/// their own names) and whether topics are also discovered where the guides do not reach. With
/// `discover` off, discovery still runs inside the derivation as the guides' rivals (so a guide
/// does not grow over themes it is merely the least far from); only its topics are dropped.
#[derive(Debug, Clone, Copy)]
pub struct Steering<'a> {
    pub guides: &'a [Guide<'a>],
    pub discover: bool,
}

impl Default for Steering<'_> {
    /// No guides; every topic is discovered.
    fn default() -> Self {
        Steering { guides: &[], discover: true }
    }
}

impl Steering<'_> {
    /// Whether `name` is a guide's (case-insensitive): discovered topics never take it.
    pub(crate) fn has_guide_named(&self, name: &str) -> bool {
        self.guides.iter().any(|g| g.name.to_lowercase() == name.to_lowercase())
    }
}
