// Small Kafka helper for the test stack, run with Java's single-file source launcher against the broker's
// classpath (.stack/kafka/libs/*), see kafka_tool in test/stack/services/kafka.sh or test/stack/kafka-tool.sh.
// One JVM doing one AdminClient round trip is several seconds faster than kafka-topics.sh per topic.
//
//   --bootstrap HOST:PORT ensure-topics NAME:PARTITIONS...   create missing topics (waits for the broker)
//   --bootstrap HOST:PORT delete-topics NAME...                delete topics (missing ones are ignored)
//   --bootstrap HOST:PORT produce TOPIC                       send each stdin line as a record value (key null)
//   --bootstrap HOST:PORT consume TOPIC [MAX] [TIMEOUT_MS]    print values from the beginning, one per line
//   --bootstrap HOST:PORT consume-json TOPIC [MAX] [TIMEOUT_MS]  same, as {"partition","offset","key","value"}

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class StackKafka {
    public static void main(String[] args) throws Exception {
        String bootstrap = "127.0.0.1:9092";
        int i = 0;
        if (args.length > 1 && args[0].equals("--bootstrap")) {
            bootstrap = args[1];
            i = 2;
        }
        if (args.length <= i) {
            usage();
        }
        String cmd = args[i];
        List<String> rest = List.of(args).subList(i + 1, args.length);
        switch (cmd) {
            case "ensure-topics":
                ensureTopics(bootstrap, rest);
                break;
            case "delete-topics":
                deleteTopics(bootstrap, rest);
                break;
            case "produce":
                produce(bootstrap, rest.get(0));
                break;
            case "consume":
            case "consume-json":
                consume(bootstrap, rest.get(0),
                        rest.size() > 1 ? Integer.parseInt(rest.get(1)) : Integer.MAX_VALUE,
                        rest.size() > 2 ? Long.parseLong(rest.get(2)) : 5000L,
                        cmd.equals("consume-json"));
                break;
            default:
                usage();
        }
    }

    static void usage() {
        System.err.println("usage: StackKafka [--bootstrap H:P] ensure-topics T:N... | delete-topics T..."
                + " | produce TOPIC"
                + " | consume TOPIC [MAX] [TIMEOUT_MS] | consume-json TOPIC [MAX] [TIMEOUT_MS]");
        System.exit(2);
    }

    static void ensureTopics(String bootstrap, List<String> specs) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        try (Admin admin = Admin.create(p)) {
            // a freshly started KRaft broker accepts connections a moment before it serves metadata
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            Set<String> existing = null;
            while (existing == null) {
                try {
                    existing = admin.listTopics().names().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    if (System.nanoTime() > deadline) throw e;
                    Thread.sleep(500);
                }
            }
            List<NewTopic> create = new ArrayList<>();
            for (String spec : specs) {
                String[] nameParts = spec.split(":");
                int partitions = nameParts.length > 1 ? Integer.parseInt(nameParts[1]) : 1;
                if (!existing.contains(nameParts[0])) {
                    create.add(new NewTopic(nameParts[0], partitions, (short) 1));
                }
            }
            if (!create.isEmpty()) {
                try {
                    admin.createTopics(create).all().get(60, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    // a concurrent creator (or auto-create) won the race: that is fine
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) throw e;
                }
                for (NewTopic t : create) {
                    System.err.println("created topic " + t.name() + " (" + t.numPartitions() + " partitions)");
                }
            }
        }
    }

    static void deleteTopics(String bootstrap, List<String> names) throws Exception {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(p)) {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<String> delete = new ArrayList<>();
            for (String n : names) {
                if (existing.contains(n)) delete.add(n);
            }
            if (!delete.isEmpty()) admin.deleteTopics(delete).all().get(60, TimeUnit.SECONDS);
            System.err.println("deleted topics " + delete);
        }
    }

    static void produce(String bootstrap, String topic) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        int n = 0;
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(p);
             BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                producer.send(new ProducerRecord<>(topic, line));
                n++;
            }
            producer.flush();
        }
        System.err.println("produced " + n + " records to " + topic);
    }

    static void consume(String bootstrap, String topic, int max, long timeoutMs, boolean json) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        int n = 0;
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(p)) {
            // manual assignment, no group: reading never disturbs anybody's committed offsets
            List<TopicPartition> parts = new ArrayList<>();
            consumer.partitionsFor(topic, Duration.ofSeconds(10))
                    .forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            long deadline = System.currentTimeMillis() + timeoutMs;
            while (n < max && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    if (json) {
                        System.out.println("{\"partition\":" + r.partition() + ",\"offset\":" + r.offset()
                                + ",\"key\":" + quote(r.key()) + ",\"value\":" + quote(r.value()) + "}");
                    } else {
                        System.out.println(r.value());
                    }
                    if (++n >= max) break;
                }
            }
        }
    }

    static String quote(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                default:
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
            }
        }
        return b.append('"').toString();
    }
}
