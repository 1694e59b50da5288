//! The read models `ltc query` answers: one subcommand per [`Query`] of `crate::queries`, whose
//! request types are the subcommands' arguments, so the command line and the NATS query service
//! take the same options and give the same JSON.

use crate::queries::{
    ArAgingRequest, CollectionsRequest, Customer360Request, CustomersRequest, DsoRequest,
    EventsRequest, ForecastRequest, FunnelRequest, LeadsRequest, Query, RepsRequest,
    StalledRequest, WinProbabilitiesRequest,
};

pub(super) use crate::queries::parse_period as period;

#[derive(Debug, clap::Subcommand)]
pub(super) enum Model {
    /// Streams, events and payload bytes per stream kind: the shape of the log.
    ///
    /// --as-of DATE and --recorded-as-of DATE alike: rebuilt from the log recorded by the end of
    /// that day (nothing this model reads can be back-dated).
    Events(EventsRequest),
    /// One customer, whole: profile, deals, quotes, orders, receivables, credits, figures and
    /// the latest lines of their timeline.
    ///
    /// --as-of DATE: money from dated facts at query time (a receipt recorded later but received
    /// by then counts), the rest rebuilt as recorded by then. --recorded-as-of DATE: all of it
    /// rebuilt from the log recorded by then.
    Customer360(Customer360Request),
    /// Every customer, with open pipeline and open AR.
    ///
    /// --as-of DATE: money from dated facts at query time (a receipt recorded later but received
    /// by then counts), the rest rebuilt as recorded by then. --recorded-as-of DATE: all of it
    /// rebuilt from the log recorded by then.
    Customers(CustomersRequest),
    /// A period's closed won, commit, best case, pipeline, weighted pipeline, quotas, and the
    /// Monte-Carlo P10 / P50 / P90 of its revenue.
    ///
    /// --as-of DATE and --recorded-as-of DATE alike: rebuilt from the log recorded by the end of
    /// that day (nothing this model reads can be back-dated).
    Forecast(ForecastRequest),
    /// The learned (naive-Bayes) chance of winning each open deal.
    ///
    /// --as-of DATE and --recorded-as-of DATE alike: rebuilt from the log recorded by the end of
    /// that day (nothing this model reads can be back-dated).
    WinProbabilities(WinProbabilitiesRequest),
    /// Leads and opportunities per period and dimension: cohort stage conversion, win rate,
    /// deal size, cycle, days in stage, velocity.
    ///
    /// --as-of DATE and --recorded-as-of DATE alike: rebuilt from the log recorded by the end of
    /// that day (nothing this model reads can be back-dated).
    Funnel(FunnelRequest),
    /// Leads by channel, score band or owner: conversion and time to first touch.
    ///
    /// --as-of DATE and --recorded-as-of DATE alike: rebuilt from the log recorded by the end of
    /// that day (nothing this model reads can be back-dated).
    Leads(LeadsRequest),
    /// Open opportunities past their stage's stall threshold, with their last activity.
    ///
    /// --as-of DATE: from dated facts at query time (a receipt recorded later but received by
    /// then counts). --recorded-as-of DATE: rebuilt from the log recorded by then.
    Stalled(StalledRequest),
    /// Receivables by days past due (1–30, 31–60, 61–90, 91–120, over 120).
    ///
    /// --as-of DATE: from dated facts at query time (a receipt recorded later but received by
    /// then counts). --recorded-as-of DATE: rebuilt from the log recorded by then.
    ArAging(ArAgingRequest),
    /// Invoiced, collected and outstanding per period (and customer).
    ///
    /// --as-of DATE: from dated facts at query time (a receipt recorded later but received by
    /// then counts). --recorded-as-of DATE: rebuilt from the log recorded by then.
    Collections(CollectionsRequest),
    /// Days sales outstanding.
    ///
    /// --as-of DATE: from dated facts at query time (a receipt recorded later but received by
    /// then counts). --recorded-as-of DATE: rebuilt from the log recorded by then.
    Dso(DsoRequest),
    /// Targets against wins, commission and activities per rep for a period.
    ///
    /// --as-of DATE and --recorded-as-of DATE alike: rebuilt from the log recorded by the end of
    /// that day (nothing this model reads can be back-dated).
    Reps(RepsRequest),
}

/// What the runner does with whichever query was asked: generic over [`Query`], so one
/// function serves every model.
pub(super) trait Answer {
    fn answer<Q: Query>(&mut self, query: &Q) -> anyhow::Result<()>;
}

impl Model {
    pub(super) fn dispatch(&self, runner: &mut impl Answer) -> anyhow::Result<()> {
        match self {
            Model::Events(query) => runner.answer(query),
            Model::Customer360(query) => runner.answer(query),
            Model::Customers(query) => runner.answer(query),
            Model::Forecast(query) => runner.answer(query),
            Model::WinProbabilities(query) => runner.answer(query),
            Model::Funnel(query) => runner.answer(query),
            Model::Leads(query) => runner.answer(query),
            Model::Stalled(query) => runner.answer(query),
            Model::ArAging(query) => runner.answer(query),
            Model::Collections(query) => runner.answer(query),
            Model::Dso(query) => runner.answer(query),
            Model::Reps(query) => runner.answer(query),
        }
    }
}
