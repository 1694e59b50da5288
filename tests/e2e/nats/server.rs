//! The test harness itself: a private server answers, restarts on its port, and keeps its
//! JetStream data across the restart.

use ltc_tests::nats_server::NatsServer;

#[tokio::test]
async fn a_private_server_keeps_its_jetstream_stream_across_a_restart_on_the_same_port() {
    let mut server = NatsServer::start();
    assert_ne!(server.port(), 4222, "never the machine's shared server");
    let client = async_nats::connect(server.url()).await.expect("connect");
    let jetstream = async_nats::jetstream::new(client);
    let config = async_nats::jetstream::stream::Config {
        name: "HARNESS".into(),
        subjects: vec!["harness.>".into()],
        storage: async_nats::jetstream::stream::StorageType::File,
        ..Default::default()
    };
    jetstream.create_stream(config).await.expect("create a stream");
    jetstream
        .publish("harness.one", "1".into())
        .await
        .expect("publish")
        .await
        .expect("acknowledged");

    let port = server.port();
    server.restart();
    assert_eq!(server.port(), port);
    let client = async_nats::connect(server.url()).await.expect("reconnect");
    let jetstream = async_nats::jetstream::new(client);
    let mut stream = jetstream.get_stream("HARNESS").await.expect("the stream survived");
    assert_eq!(stream.info().await.expect("stream info").state.messages, 1);
}
