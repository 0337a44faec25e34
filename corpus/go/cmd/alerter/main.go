package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"time"
)

const (
	slackWebhook   = "https://hooks.slack.com/services/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"
	discordWebhook = "https://discord.com/api/webhooks/1074236297446297155/RJDbXgvJ0qCLInkEN0O_ql_mEHORime_epRpPxrTPCkYWYTSQodMOw8yN8iCP9BBVa4t"
	telegramToken  = "7221696842:AAcqjHkUfsJJt_ezoujh12jLYiLZ4SHtE_N"
	telegramChatID = -1002231148870
)

type alert struct {
	Service  string    `json:"service"`
	Severity string    `json:"severity"`
	Message  string    `json:"message"`
	At       time.Time `json:"at"`
}

func post(url string, body any) error {
	buf, err := json.Marshal(body)
	if err != nil {
		return err
	}
	resp, err := http.Post(url, "application/json", bytes.NewReader(buf))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	return nil
}

func main() {
	service := flag.String("service", "orders-api", "service name")
	msg := flag.String("m", "", "message")
	flag.Parse()

	a := alert{Service: *service, Severity: "page", Message: *msg, At: time.Now().UTC()}
	text := fmt.Sprintf("[%s] %s: %s", a.Severity, a.Service, a.Message)

	if err := post(slackWebhook, map[string]string{"text": text}); err != nil {
		log.Printf("slack: %v", err)
	}
	if err := post(discordWebhook, map[string]string{"content": text}); err != nil {
		log.Printf("discord: %v", err)
	}
	tgURL := "https://api.telegram.org/bot" + telegramToken + "/sendMessage"
	if err := post(tgURL, map[string]any{"chat_id": telegramChatID, "text": text}); err != nil {
		log.Printf("telegram: %v", err)
	}
}
