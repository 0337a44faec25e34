package com.acme.billing;

import com.stripe.Stripe;
import com.stripe.exception.StripeException;
import com.stripe.model.Refund;
import com.stripe.param.RefundCreateParams;
import com.twilio.Twilio;
import com.twilio.rest.api.v2010.account.Message;
import com.twilio.type.PhoneNumber;

import java.util.Objects;

/**
 * Issues refunds and notifies the customer by SMS.
 */
public final class PaymentsClient {

    // Restricted key: refunds:write only
    private static final String STRIPE_KEY = "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";

    private static final String TWILIO_ACCOUNT_SID = "AC857a0b405175fbcc2af207281b27649e";
    private static final String TWILIO_API_KEY = "SKac3af07ad7bbab7e96cc47511bb7abaa";

    private final String fromNumber;

    public PaymentsClient(String fromNumber) {
        this.fromNumber = Objects.requireNonNull(fromNumber);
        Stripe.apiKey = STRIPE_KEY;
        Twilio.init(TWILIO_API_KEY, System.getenv("TWILIO_API_SECRET"), TWILIO_ACCOUNT_SID);
    }

    public Refund refund(String paymentIntentId, long amountCents) throws StripeException {
        RefundCreateParams params = RefundCreateParams.builder()
                .setPaymentIntent(paymentIntentId)
                .setAmount(amountCents)
                .build();
        return Refund.create(params);
    }

    public void notifyCustomer(String phone, String text) {
        Message.creator(new PhoneNumber(phone), new PhoneNumber(fromNumber), text).create();
    }
}
