package dev.hookrail.peers.spring;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** The Spring Kafka peer: a Boot application with one @KafkaListener (WebhookListener). */
@SpringBootApplication
public class DelivererApplication {
    public static void main(String[] args) {
        SpringApplication.run(DelivererApplication.class, args);
    }
}
