//! Properties of pricing over generated quotes: the same inputs give the same waterfall in any
//! order of the data, the total is exactly the sum of the lines, the waterfall links step to
//! step, and a slab-priced line is exactly the sum of its units priced one by one.

use proptest::prelude::*;

use super::*;
use crate::quote::pricing::price_line;

fn any_line() -> impl Strategy<Value = LineInput> {
    prop_oneof![
        (1u32..=10_000, 0u32..=10_000).prop_map(|(quantity, bps)| line("SEAT", quantity, bps)),
        (0u32..=10_000).prop_map(|bps| line("SUPPORT", 1, bps)),
    ]
}

fn any_terms() -> impl Strategy<Value = PricingTerms> {
    (prop::sample::select(vec!["gold", "silver"]), 0i64..700).prop_map(|(tier, days)| {
        PricingTerms {
            tier: CustomerTier(tier.into()),
            pricing_date: day(2025, 6, 1) + chrono::Days::new(days.unsigned_abs()),
            ..terms()
        }
    })
}

fn any_schedule() -> impl Strategy<Value = VolumeSchedule> {
    prop::collection::btree_map(1u32..300, 0u32..=10_000, 1..6).prop_map(|tiers| VolumeSchedule {
        method: VolumeMethod::Slab,
        tiers: tiers
            .into_iter()
            .map(|(quantity_from, bps)| VolumeTier { quantity_from, discount_bps: Bps(bps) })
            .collect(),
    })
}

proptest! {
    #[test]
    fn pricing_is_deterministic_and_the_total_is_the_sum_of_the_lines(
        lines in prop::collection::vec(any_line(), 1..8),
        terms in any_terms(),
    ) {
        let data = pricing_data();
        let priced = price_quote(&lines, &data, &terms).unwrap();
        prop_assert_eq!(&price_quote(&lines, &data, &terms).unwrap(), &priced);

        let reordered = PricingData {
            catalog: data.catalog.clone(),
            price_books: data.price_books.iter().rev().cloned().collect(),
            promotions: data.promotions.iter().rev().cloned().collect(),
        };
        prop_assert_eq!(&price_quote(&lines, &reordered, &terms).unwrap(), &priced);

        let sum: i64 = priced.lines.iter().map(|line| line.amount.amount_minor).sum();
        prop_assert_eq!(priced.total, eur(sum));
        for (line, input) in priced.lines.iter().zip(&lines) {
            let steps = &line.waterfall;
            prop_assert_eq!(steps.len(), 6);
            for pair in steps[..3].windows(2).chain(steps[3..].windows(2)) {
                prop_assert_eq!(pair[0].after, pair[1].before);
            }
            let gross = steps[2].after.amount_minor * i64::from(input.quantity);
            prop_assert_eq!(steps[3].before, eur(gross));
            prop_assert_eq!(steps[5].after, line.amount);
            prop_assert!(!line.amount.is_negative() && line.amount.amount_minor <= gross);
        }
    }

    #[test]
    fn a_slab_line_is_the_sum_of_its_bands_each_discounted_at_its_own_tier(
        schedule in any_schedule(),
        unit_price_minor in 0i64..1_000_000,
        quantity in 1u32..=600,
    ) {
        let year_2026 = (day(2026, 1, 1), day(2026, 12, 31));
        let data = PricingData {
            catalog: catalog(),
            price_books: vec![book("B", None, year_2026, vec![entry("SEAT", unit_price_minor, Some(schedule.clone()))])],
            promotions: vec![],
        };
        let silver = PricingTerms { tier: CustomerTier("silver".into()), ..terms() };
        let priced = price_line(1, &line("SEAT", quantity, 0), &data, &silver).unwrap();
        // Units grouped by the tier that prices them (none below the first); each group's gross
        // amount is discounted once, so two tiers with the same discount are still two bands,
        // each rounded on its own.
        let mut units_per_tier: Vec<(Option<usize>, Bps, i64)> = Vec::new();
        for unit in 1..=quantity {
            let tier = schedule.tiers.iter().rposition(|tier| tier.quantity_from <= unit);
            let discount_bps = tier.map_or(Bps::ZERO, |idx| schedule.tiers[idx].discount_bps);
            match units_per_tier.last_mut() {
                Some((pricing_tier, _, units)) if *pricing_tier == tier => *units += 1,
                _ => units_per_tier.push((tier, discount_bps, 1)),
            }
        }
        let expected: i64 = units_per_tier
            .iter()
            .map(|(_, bps, units)| {
                let gross = eur(unit_price_minor * units);
                gross.checked_sub(gross.times_bps(*bps).unwrap()).unwrap().amount_minor
            })
            .sum();
        prop_assert_eq!(priced.amount, eur(expected));
        if let StepReason::VolumeSlab { bands } = &priced.waterfall[3].reason {
            prop_assert_eq!(bands.iter().map(|band| band.units).sum::<u32>(), quantity);
        }

        let range_data = PricingData {
            price_books: vec![book("B", None, year_2026, vec![entry(
                "SEAT",
                unit_price_minor,
                Some(VolumeSchedule { method: VolumeMethod::Range, ..schedule.clone() }),
            )])],
            ..data
        };
        let reached = schedule.tiers.iter().rev().find(|tier| tier.quantity_from <= quantity);
        let gross = eur(unit_price_minor * i64::from(quantity));
        let range_discount = gross.times_bps(reached.map_or(Bps::ZERO, |tier| tier.discount_bps)).unwrap();
        let ranged = price_line(1, &line("SEAT", quantity, 0), &range_data, &silver).unwrap();
        prop_assert_eq!(ranged.amount, gross.checked_sub(range_discount).unwrap());
    }
}
