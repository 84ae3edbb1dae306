//! Condition expressions built from the plan table, so a single conditional write can enforce a
//! plan's numbers without reading the plan first (and without copying the numbers into items).

use super::{n, s};
use crate::plans::Plan;
use aws_sdk_dynamodb::types::AttributeValue;

/// A condition fragment and the values it uses. Names: `#plan` is the account's plan attribute.
pub struct Condition {
    pub expression: String,
    pub values: Vec<(String, AttributeValue)>,
}

/// `#plan IN (…)`: the account's plan is one of `plans`.
pub fn plan_in(plans: impl IntoIterator<Item = Plan>, tag: &str) -> Condition {
    let values: Vec<(String, AttributeValue)> =
        plans.into_iter().map(|plan| (format!(":{tag}_{}", plan.as_str()), s(plan.as_str()))).collect();
    let list: Vec<&str> = values.iter().map(|(name, _)| name.as_str()).collect();
    Condition { expression: format!("#plan IN ({})", list.join(", ")), values }
}

/// The counter named by `counter` (an expression name, e.g. `#calls`) is below the account's
/// plan limit, where `limit` gives each plan's limit (`None`: unlimited).
pub fn under_plan_limit(counter: &str, limit: impl Fn(Plan) -> Option<u64>, tag: &str) -> Condition {
    let mut clauses = vec![format!("attribute_not_exists({counter})")];
    let mut values = Vec::new();
    let unlimited: Vec<Plan> = Plan::ALL.into_iter().filter(|plan| limit(*plan).is_none()).collect();
    for plan in Plan::ALL {
        if let Some(max) = limit(plan) {
            let (plan_value, limit_value) =
                (format!(":{tag}_p_{}", plan.as_str()), format!(":{tag}_l_{}", plan.as_str()));
            clauses.push(format!("(#plan = {plan_value} AND {counter} < {limit_value})"));
            values.push((plan_value, s(plan.as_str())));
            values.push((limit_value, n(max)));
        }
    }
    if !unlimited.is_empty() {
        let any = plan_in(unlimited, &format!("{tag}_u"));
        clauses.push(any.expression);
        values.extend(any.values);
    }
    Condition { expression: format!("({})", clauses.join(" OR ")), values }
}
