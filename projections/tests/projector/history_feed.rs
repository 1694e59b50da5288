//! The history feed: a bounded range of the log, read on a thread of its own, and split so that
//! several runners (a rebuild's two groups) share one read.

use ltc_eventstore::{Position, RecordedEvent};
use ltc_projections::{Delivery, Feed, HistoryFeed};

use crate::support::World;

/// Everything `feed` delivers until it ends.
fn drain(feed: &mut HistoryFeed) -> Vec<RecordedEvent> {
    let mut events = Vec::new();
    loop {
        match feed.poll(true).expect("the feed reads") {
            Delivery::Event(event) => events.push(event),
            Delivery::Idle => panic!("a history feed is never idle"),
            Delivery::Ended => return events,
        }
    }
}

#[test]
fn a_feed_delivers_its_range_in_order_then_ends() {
    let mut world = World::new();
    world.append_events(3_000);
    let mut feed = HistoryFeed::new(&world.store, Position(5), Position(2_500)).unwrap();
    let delivered = drain(&mut feed);
    assert_eq!(delivered, world.events(5)[..2_496].to_vec());
}

#[test]
fn every_feed_of_a_split_gets_every_event_of_the_range_in_order() {
    let mut world = World::new();
    // Several pages, the last one short, so that pages are shared, handed on and moved out.
    world.append_events(5 * HistoryFeed::PAGE_EVENTS as u64 + 17);
    let head = world.head();
    let mut feeds = HistoryFeed::split(&world.store, Position::START, Position(head), 3).unwrap();
    assert_eq!(feeds.len(), 3);
    let expected = world.events(1);
    // Each feed drains on a thread of its own: the reader waits for the slowest feed, so one
    // feed drained to the end before the others start would wait for them forever.
    let delivered: Vec<Vec<RecordedEvent>> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            feeds.iter_mut().map(|feed| scope.spawn(move || drain(feed))).collect();
        handles.into_iter().map(|handle| handle.join().unwrap()).collect()
    });
    for events in delivered {
        assert_eq!(events.len() as u64, head);
        assert_eq!(events, expected);
    }
}

#[test]
fn a_feed_dropped_half_way_does_not_stop_the_others_of_its_split() {
    let mut world = World::new();
    world.append_events(4 * HistoryFeed::PAGE_EVENTS as u64);
    let head = world.head();
    let mut feeds = HistoryFeed::split(&world.store, Position::START, Position(head), 2).unwrap();
    let mut quitter = feeds.pop().unwrap();
    let mut stayer = feeds.pop().unwrap();
    for _ in 0..10 {
        assert!(matches!(quitter.poll(true).unwrap(), Delivery::Event(_)));
    }
    drop(quitter);
    assert_eq!(drain(&mut stayer), world.events(1));
}
