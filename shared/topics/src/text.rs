//! English text handling: clauses, words, stopwords. Everything here is generic English (function
//! words and evaluative words), nothing about any survey's domain.

/// Most clauses a response is split into; the rest joins the last one. Bounds the vectors kept
/// per response (a few KB) and the units a long answer adds to clustering.
pub const MAX_CLAUSES: usize = 6;

/// Conjunctions and connectives that usually start a new point in feedback ("late and cold",
/// "nice app but the fees…").
const CONNECTIVES: &[&str] = &["and", "but", "though", "although", "however", "plus", "also", "whereas", "otherwise"];

/// A clause needs this many content words to stand alone; shorter pieces ("and so on", "but why")
/// stay with the clause before them.
const MIN_CLAUSE_WORDS: usize = 2;

/// Splits a response into clauses: on sentence punctuation (. ! ? ; and line breaks, not inside
/// numbers like "6.99") and before connectives ("and", "but", …). Pieces with fewer than two
/// content words (`MIN_CLAUSE_WORDS`) are joined to their neighbour. Returns the trimmed clauses,
/// at most six (`MAX_CLAUSES`; a single clause means the response is one unit).
pub fn split_clauses(text: &str) -> Vec<String> {
    let mut pieces: Vec<String> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    let flush = |current: &mut Vec<&str>, pieces: &mut Vec<String>| {
        if !current.is_empty() {
            pieces.push(current.join(" "));
            current.clear();
        }
    };
    for line in text.lines() {
        for word in line.split_whitespace() {
            let bare = word.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase();
            if !current.is_empty() && CONNECTIVES.contains(&bare.as_str()) {
                flush(&mut current, &mut pieces);
            }
            current.push(word);
            if ends_sentence(word) {
                flush(&mut current, &mut pieces);
            }
        }
        flush(&mut current, &mut pieces);
    }

    // Join short pieces to the previous one (or the next, for a short first piece).
    let mut clauses: Vec<String> = Vec::new();
    let mut pending = String::new();
    for piece in pieces {
        let piece = if pending.is_empty() { piece } else { format!("{} {piece}", std::mem::take(&mut pending)) };
        if content_words(&piece).len() >= MIN_CLAUSE_WORDS {
            clauses.push(piece);
        } else if let Some(last) = clauses.last_mut() {
            last.push(' ');
            last.push_str(&piece);
        } else {
            pending = piece;
        }
    }
    if !pending.is_empty() {
        clauses.push(pending);
    }
    while clauses.len() > MAX_CLAUSES {
        let last = clauses.pop().expect("more than one clause");
        let prev = clauses.last_mut().expect("more than one clause");
        prev.push(' ');
        prev.push_str(&last);
    }
    clauses.into_iter().map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect()
}

/// A word that ends a sentence: trailing . ! ? ; (possibly repeated, or before a closing quote).
fn ends_sentence(word: &str) -> bool {
    let trimmed = word.trim_end_matches(['"', '\'', ')', '\u{201d}', '\u{2019}']);
    trimmed.ends_with(['.', '!', '?', ';', '\u{2026}'])
}

/// Lower-case words of a text (letters, digits, inner apostrophes; curly apostrophes folded).
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let lower = text.to_lowercase().replace('\u{2019}', "'");
    for c in lower.chars() {
        if c.is_alphanumeric() || (c == '\'' && !cur.is_empty()) {
            cur.push(c);
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur).trim_end_matches('\'').to_string());
        }
    }
    if !cur.is_empty() {
        out.push(cur.trim_end_matches('\'').to_string());
    }
    out
}

/// Words that carry content: not stopwords, not pure numbers, at least 2 letters.
pub fn content_words(text: &str) -> Vec<String> {
    words(text).into_iter().filter(|w| is_content(w)).collect()
}

pub fn is_content(w: &str) -> bool {
    w.chars().count() >= 2 && !w.chars().all(|c| c.is_ascii_digit()) && !is_stopword(w)
}

/// A light stem so that "fees"/"fee" and "alerts"/"alert" count as one term; not a linguistic
/// stemmer, only plural folding, which is what matters for counting a topic's words.
pub fn stem(w: &str) -> String {
    let n = w.len();
    if n > 4 && w.ends_with("ies") {
        return format!("{}y", &w[..n - 3]);
    }
    if n > 3 && w.ends_with('s') && !w.ends_with("ss") && !w.ends_with("us") && !w.ends_with("is") {
        return w[..n - 1].to_string();
    }
    w.to_string()
}

pub fn is_stopword(w: &str) -> bool {
    STOPWORDS.binary_search(&w).is_ok() || EVALUATIVE.binary_search(&w).is_ok()
}

/// English function words (sorted, for binary search).
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "actually",
    "after",
    "again",
    "against",
    "ago",
    "all",
    "almost",
    "already",
    "also",
    "always",
    "am",
    "an",
    "and",
    "another",
    "any",
    "anymore",
    "anyone",
    "anything",
    "anyway",
    "are",
    "aren't",
    "around",
    "as",
    "at",
    "back",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "can't",
    "cannot",
    "cant",
    "could",
    "couldn't",
    "couldnt",
    "did",
    "didn't",
    "didnt",
    "do",
    "does",
    "doesn't",
    "doesnt",
    "doing",
    "don't",
    "dont",
    "down",
    "during",
    "each",
    "either",
    "else",
    "enough",
    "even",
    "ever",
    "every",
    "everything",
    "few",
    "for",
    "from",
    "further",
    "get",
    "gets",
    "getting",
    "go",
    "goes",
    "going",
    "got",
    "gotten",
    "had",
    "hadn't",
    "has",
    "hasn't",
    "have",
    "haven't",
    "having",
    "he",
    "he'd",
    "he'll",
    "he's",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "however",
    "i",
    "i'd",
    "i'll",
    "i'm",
    "i've",
    "id",
    "if",
    "im",
    "in",
    "into",
    "is",
    "isn't",
    "isnt",
    "it",
    "it'd",
    "it'll",
    "it's",
    "its",
    "itself",
    "ive",
    "just",
    "kind",
    "kinda",
    "know",
    "last",
    "least",
    "less",
    "let",
    "let's",
    "like",
    "literally",
    "lol",
    "lot",
    "lots",
    "made",
    "make",
    "makes",
    "making",
    "many",
    "may",
    "maybe",
    "me",
    "might",
    "mine",
    "more",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "need",
    "needs",
    "never",
    "next",
    "no",
    "nor",
    "not",
    "nothing",
    "now",
    "of",
    "off",
    "often",
    "ok",
    "okay",
    "on",
    "once",
    "one",
    "ones",
    "only",
    "or",
    "other",
    "others",
    "otherwise",
    "our",
    "ours",
    "ourselves",
    "out",
    "over",
    "own",
    "per",
    "please",
    "pls",
    "plus",
    "pretty",
    "quite",
    "rather",
    "really",
    "same",
    "say",
    "says",
    "see",
    "seem",
    "seems",
    "several",
    "shall",
    "she",
    "she'd",
    "she'll",
    "she's",
    "should",
    "shouldn't",
    "since",
    "so",
    "some",
    "someone",
    "something",
    "sometimes",
    "somewhat",
    "still",
    "such",
    "sure",
    "than",
    "thank",
    "thanks",
    "that",
    "that's",
    "thats",
    "the",
    "their",
    "theirs",
    "them",
    "themselves",
    "then",
    "there",
    "there's",
    "these",
    "they",
    "they'd",
    "they'll",
    "they're",
    "they've",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "though",
    "through",
    "thru",
    "to",
    "too",
    "totally",
    "u",
    "under",
    "until",
    "up",
    "upon",
    "us",
    "use",
    "used",
    "using",
    "very",
    "via",
    "want",
    "wants",
    "was",
    "wasn't",
    "wasnt",
    "way",
    "we",
    "we'd",
    "we'll",
    "we're",
    "we've",
    "well",
    "were",
    "weren't",
    "what",
    "what's",
    "whatever",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whole",
    "whom",
    "whose",
    "why",
    "will",
    "wish",
    "with",
    "within",
    "without",
    "won't",
    "would",
    "wouldn't",
    "yeah",
    "yes",
    "yet",
    "you",
    "you'd",
    "you'll",
    "you're",
    "you've",
    "your",
    "yours",
    "yourself",
    "yourselves",
];

/// Evaluative words: they say how a customer feels, not what about, so they make poor topic
/// names ("great", "terrible") and are left out of term weighting. Generic English (sorted).
const EVALUATIVE: &[&str] = &[
    "amazing",
    "annoying",
    "awesome",
    "awful",
    "bad",
    "best",
    "better",
    "brilliant",
    "cool",
    "decent",
    "disappointed",
    "disappointing",
    "excellent",
    "fantastic",
    "fine",
    "good",
    "great",
    "hate",
    "honestly",
    "horrible",
    "impressed",
    "love",
    "loved",
    "lovely",
    "meh",
    "nice",
    "perfect",
    "poor",
    "super",
    "terrible",
    "worse",
    "worst",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_are_sorted() {
        assert!(STOPWORDS.windows(2).all(|w| w[0] < w[1]), "STOPWORDS must be sorted");
        assert!(EVALUATIVE.windows(2).all(|w| w[0] < w[1]), "EVALUATIVE must be sorted");
    }

    #[test]
    fn splits_on_sentences_and_connectives() {
        let c = split_clauses("Driver was late again and my noodles were stone cold by the time they got here.");
        assert_eq!(c, vec!["Driver was late again", "and my noodles were stone cold by the time they got here."]);
        let c = split_clauses("fees are getting ridiculous. $6.99 service fee on a $15 order??");
        assert_eq!(c, vec!["fees are getting ridiculous.", "$6.99 service fee on a $15 order??"]);
    }

    #[test]
    fn keeps_short_pieces_with_their_neighbour() {
        assert_eq!(split_clauses("Great!"), vec!["Great!"]);
        assert_eq!(split_clauses("so. slow."), vec!["so. slow."]);
        // "and on time" has one content word: it stays with the clause before it.
        assert_eq!(
            split_clauses("Drivers are always friendly and on time"),
            vec!["Drivers are always friendly and on time"]
        );
    }

    #[test]
    fn caps_the_number_of_clauses() {
        let text = "Fees are high. Drivers are rude. Soup arrives cold. Boxes are crushed. Chat support is useless. \
                    The map freezes. Coupons expire fast. Menus are short.";
        let c = split_clauses(text);
        assert_eq!(c.len(), MAX_CLAUSES);
        assert!(c.last().unwrap().ends_with("Menus are short."));
    }

    #[test]
    fn words_and_stems() {
        assert_eq!(
            words("Can't find the PayPal option’s menu!"),
            vec!["can't", "find", "the", "paypal", "option's", "menu"]
        );
        assert_eq!(content_words("The fees are way too high"), vec!["fees", "high"]);
        assert_eq!(stem("fees"), "fee");
        assert_eq!(stem("deliveries"), "delivery");
        assert_eq!(stem("status"), "status");
        assert_eq!(stem("glass"), "glass");
    }
}
