"""Template metadata keys ``FanoutTopic`` writes and the routing command (``buttress.tools.route``) reads.

Plain strings in a pure module, so the construct that writes them and the tool that reads them
share one definition without the tool importing a construct or a part.
"""

#: On each AWS::SNS::Subscription: the subscriber id given to ``FanoutTopic.add_*``.
SUBSCRIBER_METADATA = "buttress:subscriber"
#: On the AWS::SNS::Topic: the ``FanoutTopic`` construct id.
TOPIC_METADATA = "buttress:topic"
