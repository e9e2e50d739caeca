package dev.hookrail.peers.spring;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.kafka.annotation.BackOff;
import org.springframework.kafka.annotation.DltHandler;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.annotation.RetryableTopic;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.kafka.retrytopic.DltStrategy;
import org.springframework.stereotype.Component;

/**
 * Delivers each source record to one URL, signed like hookrail (Standard Webhooks), the way
 * the Spring Kafka reference shows it: the listener throws on a failed POST and
 * {@code @RetryableTopic} moves the record to retry topics (1 s, 2 s, 4 s), then to the DLT.
 */
@Component
public class WebhookListener implements ConsumerSeekAware {
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final URI url;
    private final String topic;
    private final SecretKeySpec key;
    private final AtomicBoolean announced = new AtomicBoolean();

    public WebhookListener(@Value("${peer.url}") String url, @Value("${peer.topic}") String topic, @Value("${peer.secret}") String secret) {
        this.url = URI.create(url);
        this.topic = topic;
        this.key = new SecretKeySpec(Base64.getDecoder().decode(secret.substring("whsec_".length())), "HmacSHA256");
    }

    @RetryableTopic(
            attempts = "4",
            backOff = @BackOff(delay = 1000, multiplier = 2.0),
            dltStrategy = DltStrategy.FAIL_ON_ERROR,
            numPartitions = "${peer.partitions}",
            replicationFactor = "1")
    @KafkaListener(topics = "${peer.topic}", groupId = "${peer.group}", concurrency = "${peer.concurrency}")
    public void deliver(ConsumerRecord<String, String> record) throws Exception {
        String body = record.value();
        String id = record.key() != null ? record.key() : record.topic() + "/" + record.partition() + "/" + record.offset();
        String timestamp = Long.toString(System.currentTimeMillis() / 1000);
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(Duration.ofSeconds(30))
                .header("content-type", "application/json")
                .header("webhook-id", id)
                .header("webhook-timestamp", timestamp)
                .header("webhook-signature", "v1," + sign(id + "." + timestamp + "." + body))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                .build();
        int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        if (status >= 300) throw new IllegalStateException("POST " + url + " answered " + status);
    }

    @DltHandler
    public void dead(ConsumerRecord<String, String> record) {
        System.out.println("{\"msg\":\"dead letter\",\"key\":\"" + record.key() + "\"}");
    }

    @Override
    public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
        boolean source = assignments.keySet().stream().anyMatch(tp -> tp.topic().equals(topic));
        if (source && announced.compareAndSet(false, true)) System.out.println("{\"msg\":\"ready\"}");
    }

    private String sign(String content) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(key);
        return Base64.getEncoder().encodeToString(mac.doFinal(content.getBytes(StandardCharsets.UTF_8)));
    }
}
