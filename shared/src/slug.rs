//! Project slugs: lowercase ASCII letters and digits in dash-separated words, at most 64 long.

use crate::{Error, Result};

/// Longest slug.
pub const MAX_LEN: usize = 64;

/// Derives a slug from a name ("My Website!" → "my-website"); "project" when nothing is left.
pub fn derive(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.truncate(MAX_LEN);
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "project".to_owned()
    } else {
        slug.to_owned()
    }
}

/// Checks a slug given by a client; 400 with the rule otherwise.
pub fn validate(slug: &str) -> Result<String> {
    let well_formed = !slug.is_empty()
        && slug.len() <= MAX_LEN
        && slug
            .split('-')
            .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    if well_formed {
        Ok(slug.to_owned())
    } else {
        Err(Error::bad_request(format!(
            "Slug must be 1 to {MAX_LEN} lowercase letters, digits and single dashes between words (e.g. 'my-website')"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derives_readable_slugs() {
        assert_eq!(derive("My Website"), "my-website");
        assert_eq!(derive("  Hello,  World!! "), "hello-world");
        assert_eq!(derive("Ünïcode only ✓"), "n-code-only");
        assert_eq!(derive("!!!"), "project");
        assert!(derive(&"a".repeat(100)).len() <= MAX_LEN);
    }

    #[test]
    fn validates_given_slugs() {
        assert!(validate("my-site-2").is_ok());
        for bad in ["", "My-Site", "a--b", "-a", "a-", "a b", &"a".repeat(65)] {
            assert!(validate(bad).is_err(), "{bad}");
        }
    }
}
