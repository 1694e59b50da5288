//! Every event type this build writes, by name, for checking a name a user types (`ltc export
//! --type`) before a scan of the whole log finds nothing.
//!
//! The names come from the generated event schemas (`schemas/events/*.json`, their
//! `x-ltc-event-types`), compiled in. A test regenerates those files from the domain's types and
//! fails when they differ, so this list cannot fall behind the events.

use std::collections::BTreeSet;
use std::sync::OnceLock;

/// The schema files, one per stream kind.
const SCHEMAS: [(&str, &str); 7] = [
    ("customer", include_str!("../../schemas/events/customer.json")),
    ("lead", include_str!("../../schemas/events/lead.json")),
    ("opportunity", include_str!("../../schemas/events/opportunity.json")),
    ("order", include_str!("../../schemas/events/order.json")),
    ("payment", include_str!("../../schemas/events/payment.json")),
    ("quota", include_str!("../../schemas/events/quota.json")),
    ("quote", include_str!("../../schemas/events/quote.json")),
];

/// The event types of every stream kind.
pub fn known_event_types() -> &'static BTreeSet<String> {
    static KNOWN: OnceLock<BTreeSet<String>> = OnceLock::new();
    KNOWN.get_or_init(|| {
        let mut known = BTreeSet::new();
        for (kind, schema) in SCHEMAS {
            // The files are generated and checked by the test suite; one that does not parse
            // is a broken build, not bad input.
            let schema: serde_json::Value = serde_json::from_str(schema)
                .unwrap_or_else(|error| panic!("schemas/events/{kind}.json: {error}"));
            let types = schema["x-ltc-event-types"].as_object().unwrap_or_else(|| {
                panic!("schemas/events/{kind}.json has no x-ltc-event-types object")
            });
            known.extend(types.keys().cloned());
        }
        known
    })
}

/// `name` if it is an event type, else why not, naming the closest known type: a clap value
/// parser.
pub fn check_event_type(name: &str) -> Result<String, String> {
    let known = known_event_types();
    if known.contains(name) {
        return Ok(name.to_owned());
    }
    let lowercase = name.to_lowercase();
    let closest = known
        .iter()
        .map(|candidate| (strsim::jaro_winkler(&lowercase, &candidate.to_lowercase()), candidate))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match closest {
        Some((similarity, candidate)) if similarity >= 0.85 => Err(format!(
            "no event type is called `{name}`: did you mean `{candidate}`? (names are \
             case-sensitive; `ltc events` shows the types in a log)"
        )),
        _ => Err(format!(
            "no event type is called `{name}`; the {} types are: {}",
            known.len(),
            known.iter().cloned().collect::<Vec<_>>().join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use ltc_eventstore::Position;

    use super::*;
    use crate::generator::small_history;

    #[tokio::test]
    async fn every_event_type_in_a_generated_history_is_known() {
        let (_dir, store) = small_history().await;
        let mut seen = BTreeSet::new();
        for event in store.read_all(Position(1), u64::MAX) {
            seen.insert(event.unwrap().event_type);
        }
        let unknown: Vec<_> = seen.difference(known_event_types()).collect();
        assert!(unknown.is_empty(), "written but not known: {unknown:?}");
        assert!(seen.len() > 20, "the history wrote {} event types only", seen.len());
    }

    #[test]
    fn a_known_name_passes_and_a_misspelt_one_is_refused_with_the_closest_name() {
        assert_eq!(check_event_type("PaymentReceived"), Ok("PaymentReceived".to_owned()));
        let refused = check_event_type("PaymentRecieved").unwrap_err();
        assert!(refused.contains("did you mean `PaymentReceived`"), "{refused}");
        let refused = check_event_type("paymentreceived").unwrap_err();
        assert!(refused.contains("did you mean `PaymentReceived`"), "{refused}");
    }

    #[test]
    fn a_name_like_no_event_type_is_refused_with_the_list_of_types() {
        let refused = check_event_type("Zzz").unwrap_err();
        assert!(refused.contains("the 48 types are:"), "{refused}");
        assert!(refused.contains("QuotaSet"), "{refused}");
    }
}
