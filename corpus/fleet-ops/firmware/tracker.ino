// Tracker firmware: reports GPS + battery to Blynk every 30 s
#define BLYNK_TEMPLATE_ID "TMPL85cOg0kF"
#define BLYNK_TEMPLATE_NAME "Fleet Tracker"
#define BLYNK_AUTH_TOKEN "EVaLwPirYnUxakNCkRTaqELidcM752ON"

#include <WiFi.h>
#include <BlynkSimpleEsp32.h>

char ssid[] = "fleet-depot";
char pass[] = "";

void setup() {
  Serial.begin(115200);
  Blynk.begin(BLYNK_AUTH_TOKEN, ssid, pass);
}

void loop() {
  Blynk.run();
}
