//! What the load tool sends: each flow is one prospect's way from lead to an opportunity in
//! proposal, nine commands that must go in order (each reply before the next request), over
//! three aggregates. Thousands of flows run side by side, so the mix touches many customers.

use chrono::{Days, NaiveDate};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::client_ids::ClientIds;
use crate::derived_id::derived_id;

/// Commands per flow of the full mix.
pub const STEPS: usize = 9;

/// Which commands a flow sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mix {
    /// Lead capture, activity, qualification, then the customer and the deal: nine commands.
    Full,
    /// The customer and the deal only (no lead intake): five commands. Lead captures are
    /// serialised by the intake's lock (see `leads/intake.rs`), so this mix shows what the rest
    /// of the command path does without that bound.
    Deals,
}

impl Mix {
    /// The steps of [`Flow::next_request`] this mix takes, in order.
    fn steps(self) -> &'static [usize] {
        match self {
            Mix::Full => &[0, 1, 2, 3, 4, 5, 6, 7, 8],
            Mix::Deals => &[3, 4, 5, 6, 7],
        }
    }
}

/// One prospect's commands, named by ids derived from the run and the flow's number.
#[derive(Debug, Clone)]
pub struct Flow {
    pub number: u64,
    /// How many of the mix's commands have been answered.
    pub step: usize,
    mix: Mix,
    lead: Uuid,
    customer: Uuid,
    opportunity: Uuid,
}

impl Flow {
    /// Random ids are a UUIDv5 of the run and the flow's number; UUIDv7 ids carry the moment the
    /// flow started.
    pub fn new(run: Uuid, number: u64, mix: Mix, ids: ClientIds) -> Flow {
        let born = Uuid::now_v7();
        let id = |kind: &str| {
            let name = format!("{kind}-{number}");
            match ids {
                ClientIds::Random => Uuid::new_v5(&run, name.as_bytes()),
                ClientIds::V7 => derived_id(born, format!("{run}-{name}").as_bytes()),
            }
        };
        Flow {
            number,
            step: 0,
            mix,
            lead: id("lead"),
            customer: id("customer"),
            opportunity: id("opportunity"),
        }
    }

    pub fn is_done(&self) -> bool {
        self.step >= self.mix.steps().len()
    }

    /// The subject and body of the flow's next command.
    pub fn next_request(&self, owner: Uuid, today: NaiveDate) -> (&'static str, Value) {
        let n = self.number;
        match self.mix.steps()[self.step] {
            0 => (
                "ltc.cmd.lead.capture",
                json!({
                    "lead_id": self.lead, "channel": "api",
                    "contact": {"name": format!("Prospect {n}"), "email": format!("prospect{n}@load{}.example", self.lead.simple()), "phone": null},
                    "company_name": format!("Load Test Company {n}"), "industry": "software", "region": "north",
                    "source": {"utm_campaign": "load"}, "owner": {"owner": owner, "team": null}
                }),
            ),
            1 => (
                "ltc.cmd.lead.log_activity",
                json!({"lead_id": self.lead, "kind": "call", "summary": "first call"}),
            ),
            2 => ("ltc.cmd.lead.qualify", json!({"lead_id": self.lead})),
            3 => (
                "ltc.cmd.customer.create",
                json!({
                    "customer_id": self.customer, "origin": "direct",
                    "profile": {"name": format!("Load Test Company {n}"), "industry": "software", "region": "north",
                                "tier": "normal", "owner": owner, "team": null,
                                "credit_limit": {"amount_minor": 10_000_000, "currency": "EUR"}}
                }),
            ),
            4 => (
                "ltc.cmd.opportunity.open",
                json!({
                    "opportunity_id": self.opportunity, "customer_id": self.customer,
                    "name": format!("Deal {n}"), "owner": owner, "team": null,
                    "amount": {"amount_minor": 1_200_000 + (n % 50) as i64 * 10_000, "currency": "EUR"},
                    "expected_close": today.checked_add_days(Days::new(90)).unwrap_or(today)
                }),
            ),
            5 => (
                "ltc.cmd.opportunity.move_stage",
                json!({"opportunity_id": self.opportunity, "to": "needs_analysis"}),
            ),
            6 => (
                "ltc.cmd.opportunity.change_amount",
                json!({
                    "opportunity_id": self.opportunity, "amount": {"amount_minor": 1_500_000, "currency": "EUR"}
                }),
            ),
            7 => (
                "ltc.cmd.opportunity.move_stage",
                json!({"opportunity_id": self.opportunity, "to": "proposal"}),
            ),
            _ => (
                "ltc.cmd.lead.log_activity",
                json!({"lead_id": self.lead, "kind": "email", "summary": "proposal sent"}),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use uuid::Version;

    use super::*;

    fn records(flow: &Flow) -> [Uuid; 3] {
        [flow.lead, flow.customer, flow.opportunity]
    }

    #[test]
    fn random_ids_are_the_same_for_the_same_run_and_flow_and_differ_between_flows() {
        let run = Uuid::now_v7();
        let first = Flow::new(run, 1, Mix::Full, ClientIds::Random);
        assert_eq!(records(&first), records(&Flow::new(run, 1, Mix::Full, ClientIds::Random)));
        let second = Flow::new(run, 2, Mix::Full, ClientIds::Random);
        assert!(records(&first).iter().all(|id| !records(&second).contains(id)));
        assert!(records(&first).iter().all(|id| id.get_version() == Some(Version::Sha1)));
    }

    #[test]
    fn v7_ids_of_a_flow_started_later_sort_after_those_of_one_started_earlier() {
        let run = Uuid::now_v7();
        let earlier = Flow::new(run, 1, Mix::Full, ClientIds::V7);
        std::thread::sleep(std::time::Duration::from_millis(2));
        let later = Flow::new(run, 2, Mix::Full, ClientIds::V7);
        for (earlier, later) in records(&earlier).into_iter().zip(records(&later)) {
            assert_eq!(later.get_version(), Some(Version::SortRand));
            assert!(earlier < later, "{earlier} should sort before {later}");
        }
        let mut all = records(&earlier).to_vec();
        all.extend(records(&later));
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 6, "every record has its own id");
    }
}
