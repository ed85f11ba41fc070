// rxmqtt/testing: helpers for marble-testing code built on rxmqtt without a broker.
export {};
