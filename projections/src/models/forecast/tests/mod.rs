//! The forecast read model's tests, against a real event store and read-model file: the figures
//! by hand (`figures.rs`), overdue open deals (`overdue.rs`), the win model (`model.rs`) and
//! the moment it sees each deal at (`decision.rs`), the simulation (`simulate.rs`) and its new
//! business (`new_business.rs`), the backtest (`backtest.rs`) and the rendered text
//! (`render.rs`).

mod backtest;
mod decision;
mod figures;
mod model;
mod new_business;
mod overdue;
mod render;
mod simulate;
mod support;
