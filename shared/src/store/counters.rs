//! Feedback counters. Each project item, and each account's counts item, carries totals per
//! status, per source and per status × source, moved in the same transaction as every feedback
//! write; so a list's `total` is one read, whatever the filter on status and source.

use super::{n, number, Item};
use crate::feedback::{Source, Status};
use crate::ids::AccountId;
use aws_sdk_dynamodb::types::builders::UpdateBuilder;
use aws_sdk_dynamodb::types::AttributeValue;

/// The id (in the projects table) of the item holding an account's feedback counters and the
/// projects whose feedback is being removed in the background.
pub fn account_counts_id(account: &AccountId) -> String {
    format!("counts#{account}")
}

/// The counter attribute for a filter: `count#total`, `count#status#NEW`, `count#source#API`,
/// `count#NEW#API`.
pub fn attribute(status: Option<Status>, source: Option<Source>) -> String {
    match (status, source) {
        (None, None) => "count#total".to_owned(),
        (Some(status), None) => format!("count#status#{}", status.as_str()),
        (None, Some(source)) => format!("count#source#{}", source.as_str()),
        (Some(status), Some(source)) => format!("count#{}#{}", status.as_str(), source.as_str()),
    }
}

/// Every counter one piece of feedback counts in.
fn attributes_of(status: Status, source: Source) -> [String; 4] {
    [
        attribute(None, None),
        attribute(Some(status), None),
        attribute(None, Some(source)),
        attribute(Some(status), Some(source)),
    ]
}

/// The total an item's counters hold for a filter (0 when never written).
pub fn total(item: &Item, status: Option<Status>, source: Option<Source>) -> u64 {
    number(item, &attribute(status, source)).unwrap_or(0).max(0) as u64
}

/// An `ADD` clause with its expression attribute names and values.
pub struct AddClause {
    pub expression: String,
    pub names: Vec<(String, String)>,
    pub values: Vec<(String, AttributeValue)>,
}

/// A set of counter changes, written as one `ADD` expression.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deltas(Vec<(String, i64)>);

impl Deltas {
    /// New feedback of this status and source.
    pub fn added(status: Status, source: Source) -> Deltas {
        Deltas(attributes_of(status, source).into_iter().map(|a| (a, 1)).collect())
    }

    /// Feedback of this status and source removed.
    pub fn removed(status: Status, source: Source) -> Deltas {
        Deltas(attributes_of(status, source).into_iter().map(|a| (a, -1)).collect())
    }

    /// Feedback moved from one status to another.
    pub fn moved(from: Status, to: Status, source: Source) -> Deltas {
        let mut deltas = vec![];
        if from != to {
            deltas.push((attribute(Some(from), None), -1));
            deltas.push((attribute(Some(from), Some(source)), -1));
            deltas.push((attribute(Some(to), None), 1));
            deltas.push((attribute(Some(to), Some(source)), 1));
        }
        Deltas(deltas)
    }

    /// Every counter of `item`, negated: what removing a whole project takes from its account.
    pub fn negation_of(item: &Item) -> Deltas {
        let mut deltas: Vec<(String, i64)> = item
            .iter()
            .filter(|(name, _)| name.starts_with("count#"))
            .filter_map(|(name, value)| Some((name.clone(), -value.as_n().ok()?.parse::<i64>().ok()?)))
            .filter(|(_, delta)| *delta != 0)
            .collect();
        deltas.sort();
        Deltas(deltas)
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The `ADD …` clause (with `tag` keeping its placeholders apart from the caller's), and the
    /// names and values it uses. Also bumps `rev`, the counters' version.
    pub fn add_clause(&self, tag: &str) -> AddClause {
        let mut parts = vec![format!("#{tag}_rev :{tag}_one")];
        let mut names = vec![(format!("#{tag}_rev"), "rev".to_owned())];
        let mut values = vec![(format!(":{tag}_one"), n(1))];
        for (i, (attribute, delta)) in self.0.iter().enumerate() {
            parts.push(format!("#{tag}_c{i} :{tag}_d{i}"));
            names.push((format!("#{tag}_c{i}"), attribute.clone()));
            values.push((format!(":{tag}_d{i}"), n(delta)));
        }
        AddClause { expression: format!("ADD {}", parts.join(", ")), names, values }
    }

    /// An update of `builder`'s item that applies these deltas, with `extra` prepended to the
    /// update expression (e.g. `SET updatedAt = :now`).
    pub fn apply(&self, mut builder: UpdateBuilder, extra: Option<&str>) -> UpdateBuilder {
        let AddClause { expression: clause, names, values } = self.add_clause("cnt");
        let expression = match extra {
            Some(extra) => format!("{extra} {clause}"),
            None => clause,
        };
        builder = builder.update_expression(expression);
        for (name, attribute) in names {
            builder = builder.expression_attribute_names(name, attribute);
        }
        for (name, value) in values {
            builder = builder.expression_attribute_values(name, value);
        }
        builder
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_feedback_counts_in_four_counters() {
        let Deltas(deltas) = Deltas::added(Status::New, Source::Api);
        let names: Vec<&str> = deltas.iter().map(|(a, _)| a.as_str()).collect();
        assert_eq!(names, ["count#total", "count#status#NEW", "count#source#API", "count#NEW#API"]);
        assert!(deltas.iter().all(|(_, d)| *d == 1));
    }

    #[test]
    fn a_status_change_moves_only_status_counters() {
        let Deltas(deltas) = Deltas::moved(Status::New, Status::Resolved, Source::Widget);
        assert_eq!(deltas.iter().map(|(_, d)| d).sum::<i64>(), 0);
        assert!(deltas.iter().all(|(a, _)| a != "count#total" && !a.starts_with("count#source#")));
        assert!(Deltas::moved(Status::New, Status::New, Source::Api).is_empty());
    }

    #[test]
    fn removing_a_project_negates_its_counters() {
        let mut item = Item::new();
        item.insert("count#total".into(), AttributeValue::N("3".into()));
        item.insert("count#status#NEW".into(), AttributeValue::N("0".into()));
        item.insert("name".into(), AttributeValue::S("x".into()));
        assert_eq!(Deltas::negation_of(&item), Deltas(vec![("count#total".into(), -3)]));
        assert_eq!(total(&item, None, None), 3);
        assert_eq!(total(&item, Some(Status::Reviewed), None), 0);
    }
}
