"""Template metadata keys ``FanoutTopic`` writes and the routing command (``buttress.tools.route``) reads."""

#: On each AWS::SNS::Subscription: the subscriber id given to ``FanoutTopic.add_*``.
SUBSCRIBER_METADATA = "buttress:subscriber"
#: On the AWS::SNS::Topic: the ``FanoutTopic`` construct id.
TOPIC_METADATA = "buttress:topic"
