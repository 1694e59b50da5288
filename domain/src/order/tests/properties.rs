//! Properties over any sequence of commands an admin may send to any order: what is invoiced
//! never exceeds the order total, what is fulfilled never exceeds what is ordered, and every
//! invoice's instalments add up to exactly its amount.

use proptest::prelude::*;

use super::*;

fn any_line() -> impl Strategy<Value = PricedLine> {
    (1u32..20, 0i64..100_000, 0u32..=10_000).prop_map(|(quantity, unit_minor, paid_bps)| {
        let list_minor = unit_minor * i64::from(quantity);
        PricedLine {
            sku: "SKU".into(),
            quantity,
            unit_price: eur(unit_minor),
            // A line discount: the total is some share of quantity × unit price.
            line_total: eur(list_minor * i64::from(paid_bps) / 10_000),
        }
    })
}

fn any_terms() -> impl Strategy<Value = PaymentTerms> {
    (prop::collection::vec(1u32..10_000, 0..4), prop::collection::vec(0u32..=TERM_DAYS_MAX, 4))
        .prop_map(|(mut cuts, mut days)| {
            cuts.sort_unstable();
            cuts.dedup();
            days.sort_unstable();
            days.dedup();
            // Terms fall due on strictly later days; four distinct days always fit below the max.
            while days.len() < 4 {
                let next = days.last().map_or(0, |last| (last + 1) % (TERM_DAYS_MAX + 1));
                days.push(next);
                days.sort_unstable();
                days.dedup();
            }
            let mut parts = Vec::new();
            let mut previous = 0;
            for (point, days_after) in cuts.into_iter().chain([10_000]).zip(days) {
                parts.push(TermPart { share: Bps(point - previous), days_after });
                previous = point;
            }
            PaymentTerms { parts }
        })
}

fn any_quantities() -> impl Strategy<Value = Vec<LineQuantity>> {
    prop::collection::vec((0u32..6, 0u32..25).prop_map(|(line, n)| qty(line, n)), 1..4)
}

fn any_command() -> impl Strategy<Value = OrderCommand> {
    let id = 0u128..6;
    prop_oneof![
        Just(OrderCommand::Confirm),
        (id.clone(), any_quantities())
            .prop_map(|(n, lines)| OrderCommand::Fulfil { fulfilment_id: fulfilment_id(n), lines }),
        (id.clone(), any_quantities(), 0u32..60).prop_map(|(n, lines, offset)| {
            OrderCommand::Invoice {
                invoice_id: invoice_id(n),
                lines,
                base_date: day(3, 1) + chrono::Days::new(u64::from(offset)),
            }
        }),
        (id.clone(), any_quantities()).prop_map(|(n, lines)| OrderCommand::CancelLines {
            cancellation_id: cancellation_id(n),
            lines,
            reason: "changed plans".into(),
        }),
        id.prop_map(|n| OrderCommand::CancelRest {
            cancellation_id: cancellation_id(n),
            reason: "changed plans".into(),
        }),
    ]
}

proptest! {
    #[test]
    fn invoiced_never_exceeds_the_total_fulfilled_never_exceeds_ordered_and_instalments_add_up(
        lines in prop::collection::vec(any_line(), 1..5),
        terms in any_terms(),
        commands in prop::collection::vec(any_command(), 0..40),
    ) {
        let total = eur(lines.iter().map(|line| line.line_total.amount_minor).sum());
        let quote = AcceptedQuote { lines, total, ..accepted_quote() };
        let place = OrderCommand::Place { order_id: ORDER, quote, payment_terms: terms };
        let context = Context { actor: admin(), occurred_at: now() };
        let placed = OrderDecider::decide(&OrderState::default(), &place, &context).unwrap();
        let mut state = OrderDecider::replay(&placed);
        for command in &commands {
            let Ok(events) = OrderDecider::decide(&state, command, &context) else { continue };
            for event in &events {
                if let OrderEvent::Invoiced { amount, instalments, lines, .. } = event {
                    let parts: i64 = instalments.iter().map(|part| part.amount.amount_minor).sum();
                    prop_assert_eq!(parts, amount.amount_minor);
                    let by_line: i64 = lines.iter().map(|line| line.amount.amount_minor).sum();
                    prop_assert_eq!(by_line, amount.amount_minor);
                }
            }
            state = events.iter().fold(state, OrderDecider::evolve);
            let OrderState::Placed(order) = &state else { unreachable!("placed above") };
            prop_assert!(order.invoiced.amount_minor >= 0);
            prop_assert!(order.invoiced.amount_minor <= order.effective_total().amount_minor);
            prop_assert!(order.effective_total().amount_minor <= order.total.amount_minor);
            for line in &order.lines {
                prop_assert!(line.fulfilled <= line.effective());
                prop_assert!(line.invoiced <= line.effective());
                prop_assert!(line.effective() <= line.priced.quantity);
            }
        }
        // Once a line is wholly invoiced, its invoices add up to exactly its line total.
        let OrderState::Placed(order) = &state else { unreachable!("placed above") };
        if order.lines.iter().all(|line| line.cancelled == 0 && line.invoiced == line.priced.quantity) {
            prop_assert_eq!(order.invoiced, order.total);
        }
    }
}
