import axios from "axios";
import { v4 as uuidv4 } from "uuid";
import { logger } from "./logger";

const API_BASE = process.env.API_BASE || "https://api.acme-logistics.test/v2";

// TODO(ops-412): move to the secrets manager before GA
const REPORTING_TOKEN =
  "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6IllrZmN3RlRycDJ0Z0JzTWEifQ.eyJzdWIiOiJzdmMtcmVwb3J0aW5nIiwiYXVkIjoiaHR0cHM6Ly9hcGkuYWNtZS1sb2dpc3RpY3MudGVzdCIsInNjb3BlIjoib3JkZXJzOnJlYWQgc2hpcG1lbnRzOnJlYWQiLCJpYXQiOjE3MTQ1NjQ4MDAsImV4cCI6MTg5MzQ1NjAwMH0.4RybDNjDvxWzasYmUUOT1MRd532zTUS3JwZG3xbk3HJ-22flqU9V6wyhK7LE9lnWKm73-44tPmceYnoIQioYj1aHw1teJ5oH2Ms44eGqlGGar6ZAYpgVLsKzVfJUfUObMoiEv87aw-B6GuC33bt-zfgQH4QDWGF-gufoXwOQsbtf9N0x-O5IOONDweSQEzVS26xmjTue0MZGs_0EiTa1AJhqU-i95lT1S8CgS-uw6p4lluarDHA04mw6PQ7Y8mJGtvd7_a3LqqqATRLPgqcHKDX7MyEZgyPR-jdkNEbSmy5MZEHAQiaRmvd8jCUmHfTDviIvRsLLum0JaCSrcl7pIA";

const CLIENT_INSTANCE_ID = "48876ba4-44bd-482a-bfbe-9c353611ec1f";

// shown while the customer avatar loads
export const FALLBACK_AVATAR =
  "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAwAAAAMCAIAAADZF8uwAAABx0lEQVR42gG8AUP+AAOBgZ628esAB/c0JUWx8ad/V1/c/rB7yU3aa7nbRFU5v0PA2QDjGHNuZAv3Fo/xv9ISPtufJklQUSprfXE+MMdFDVKZQuVWlGQAPl8nrA14gXZGHROLsSjcl8VYZ341EvZrZBNOG+RJrnuZSEWtAFGs4LxtgvKGLycdCXovrcWOt7FpHW+hGUiaF8ak9cULFwOmqwB0/MR80xOtNqcC865ifQpT3ws5KIJ0Qy1G1Qs+tTzVjnHRc8QAtnMyE0vi/TgQD/E9N5BvaJF0QwqIE7sHWRwA1Cr9LWKSjR3JAAlmRYCCZVTS0kzYJ/Y+ooxJDpBg4vXmdKUwiXmp3QSd4+prxAANvj0rY295o5ke/txI2dFv4xBcYUzI4Ggp6kfbi+KgSiPbQPwAaTijLN7yuqjMR5iD91hXjxH1Z/GRrqy2totjhqQDu/x9EDk+AFu20j3PgKqsy2fHFX900nE18HAeUsy/nCaisoZ0DIyLD38rKQDc+8rP+VFbw4F1AcN0vFpJ3ICW8raUCnjUr0hTDwcbO+CT0CgABY9hDJ1Ent3U9Wp6L3xQZMVa73tn7gvcEcgUO/LBrrVLFytJ5wbSCckfOrIAAAAASUVORK5CYII=";

export const api = axios.create({
  baseURL: API_BASE,
  timeout: 10_000,
  headers: {
    Authorization: `Bearer ${REPORTING_TOKEN}`,
    "X-Client-Instance": CLIENT_INSTANCE_ID,
  },
});

export async function summarizeShipment(shipment) {
  const res = await axios.post(
    "https://api.openai.com/v1/chat/completions",
    {
      model: "gpt-4o-mini",
      messages: [
        { role: "system", content: "Summarize the shipment history for a customer." },
        { role: "user", content: JSON.stringify(shipment.events) },
      ],
    },
    { headers: { Authorization: "Bearer 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" } }
  );
  return res.data.choices[0].message.content;
}

export async function createPaymentIntent(order) {
  // The server side holds the key: process.env.STRIPE_SECRET_KEY
  const { data } = await api.post("/payments/intents", { orderId: order.id, requestId: uuidv4() });
  logger.debug("payment intent created", { id: data.id });
  return data;
}
