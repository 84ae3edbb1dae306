//! Matching a request to a route the way API Gateway's HTTP API does: `{param}` takes one path
//! segment, `{proxy+}` the rest, and among matching routes the one with the most literal segments
//! wins. A path that matches routes of other methods only is a 405 (with the methods it has).

use crate::template::Route;
use percent_encoding::percent_decode_str;
use std::collections::BTreeMap;

enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

struct Entry {
    key: String,
    method: String,
    segments: Vec<Segment>,
}

/// Every route of a template, ready to match.
pub struct RouteTable {
    entries: Vec<Entry>,
}

/// What a request matched.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved<'a> {
    /// A route (its key, `GET /api/feedback/{id}`) and the path parameters, URL-decoded.
    Route {
        key: &'a str,
        params: BTreeMap<String, String>,
    },
    /// The path exists, but not for this method: the methods it has.
    MethodNotAllowed(Vec<String>),
    NotFound,
}

impl RouteTable {
    /// A table of the given routes (the `$default` route matches nothing here: it is what
    /// answers when nothing else does).
    pub fn new<'a>(routes: impl IntoIterator<Item = &'a Route>) -> RouteTable {
        let entries = routes
            .into_iter()
            .filter(|route| route.path != crate::DEFAULT_ROUTE)
            .map(|route| Entry { key: route.key(), method: route.method.clone(), segments: parse_path(&route.path) })
            .collect();
        RouteTable { entries }
    }

    /// The route for a method and a raw path.
    pub fn resolve(&self, method: &str, path: &str) -> Resolved<'_> {
        let matching: Vec<(&Entry, BTreeMap<String, String>)> = self
            .entries
            .iter()
            .filter_map(|entry| match_path(&entry.segments, path).map(|params| (entry, params)))
            .collect();
        let best = matching
            .iter()
            .filter(|(entry, _)| entry.method == method || entry.method == "ANY")
            .max_by_key(|(entry, _)| entry.segments.iter().filter(|s| matches!(s, Segment::Literal(_))).count());
        match best {
            Some((entry, params)) => Resolved::Route { key: &entry.key, params: params.clone() },
            None if matching.is_empty() => Resolved::NotFound,
            None => Resolved::MethodNotAllowed(matching.iter().map(|(entry, _)| entry.method.clone()).collect()),
        }
    }
}

fn parse_path(path: &str) -> Vec<Segment> {
    path.trim_start_matches('/')
        .split('/')
        .map(|part| match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) if name.ends_with('+') => Segment::Greedy(name.trim_end_matches('+').to_owned()),
            Some(name) => Segment::Param(name.to_owned()),
            None => Segment::Literal(part.to_owned()),
        })
        .collect()
}

fn match_path(segments: &[Segment], path: &str) -> Option<BTreeMap<String, String>> {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut params = BTreeMap::new();
    for (i, segment) in segments.iter().enumerate() {
        match segment {
            Segment::Greedy(name) => {
                let rest = parts.get(i..).filter(|rest| !rest.is_empty() && !rest[0].is_empty())?;
                params.insert(name.clone(), decode(&rest.join("/")));
                return Some(params);
            }
            Segment::Literal(text) if parts.get(i) == Some(&text.as_str()) => {}
            Segment::Param(name) if parts.get(i).is_some_and(|p| !p.is_empty()) => {
                params.insert(name.clone(), decode(parts[i]));
            }
            _ => return None,
        }
    }
    (parts.len() == segments.len()).then_some(params)
}

fn decode(text: &str) -> String {
    percent_decode_str(text).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(method: &str, path: &str) -> Route {
        Route { method: method.into(), path: path.into() }
    }

    #[test]
    fn literal_segments_win_and_parameters_are_decoded() {
        let routes = [
            route("GET", "/api/feedback/{id}"),
            route("GET", "/api/feedback/export"),
            route("PUT", "/api/feedback/{id}"),
        ];
        let table = RouteTable::new(&routes);
        assert_eq!(
            table.resolve("GET", "/api/feedback/export"),
            Resolved::Route { key: "GET /api/feedback/export", params: BTreeMap::new() }
        );
        let Resolved::Route { key, params } = table.resolve("GET", "/api/feedback/fb%201") else { panic!("no route") };
        assert_eq!((key, params["id"].as_str()), ("GET /api/feedback/{id}", "fb 1"));
        assert_eq!(
            table.resolve("DELETE", "/api/feedback/x"),
            Resolved::MethodNotAllowed(vec!["GET".into(), "PUT".into()])
        );
        assert_eq!(table.resolve("GET", "/api/feedback/x/y"), Resolved::NotFound);
        assert_eq!(table.resolve("GET", "/api/feedback/"), Resolved::NotFound);
    }

    #[test]
    fn greedy_parameters_take_the_rest() {
        let routes = [route("ANY", "/docs/{proxy+}")];
        let table = RouteTable::new(&routes);
        let Resolved::Route { params, .. } = table.resolve("GET", "/docs/a/b") else { panic!("no route") };
        assert_eq!(params["proxy"], "a/b");
        assert_eq!(table.resolve("GET", "/docs"), Resolved::NotFound);
    }
}
