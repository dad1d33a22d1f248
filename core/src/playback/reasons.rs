//! Why a file is not played as it is: Jellyfin's `TranscodeReason` flags, with its names and its
//! order (the order of the flag values, which is how Jellyfin lists a set of them).

use super::profile::{named_enum, ConditionProperty};

named_enum!(
    /// `TranscodeReason`, in Jellyfin's flag order.
    TranscodeReason {
        /// The container is not in any direct-play profile.
        ContainerNotSupported,
        /// The video codec is not supported.
        VideoCodecNotSupported,
        /// The audio codec is not supported.
        AudioCodecNotSupported,
        /// The subtitle cannot be delivered without burning it in.
        SubtitleCodecNotSupported,
        /// The chosen audio is a separate file.
        AudioIsExternal,
        /// The chosen audio is not the file's first audio stream.
        SecondaryAudioNotSupported,
        /// A video profile condition failed.
        VideoProfileNotSupported,
        /// A video level condition failed.
        VideoLevelNotSupported,
        /// A width or height condition failed.
        VideoResolutionNotSupported,
        /// A bit depth condition failed.
        VideoBitDepthNotSupported,
        /// A frame rate condition failed.
        VideoFramerateNotSupported,
        /// A reference frames condition failed.
        RefFramesNotSupported,
        /// An anamorphic condition failed.
        AnamorphicVideoNotSupported,
        /// An interlacing condition failed.
        InterlacedVideoNotSupported,
        /// An audio channels condition failed.
        AudioChannelsNotSupported,
        /// An audio profile condition failed.
        AudioProfileNotSupported,
        /// An audio sample rate condition failed.
        AudioSampleRateNotSupported,
        /// An audio bit depth condition failed.
        AudioBitDepthNotSupported,
        /// The file's bit rate is above the client's limit.
        ContainerBitrateExceedsLimit,
        /// A video bit rate condition failed.
        VideoBitrateNotSupported,
        /// An audio bit rate condition failed.
        AudioBitrateNotSupported,
        /// The video stream is not known.
        UnknownVideoStreamInfo,
        /// The audio stream is not known.
        UnknownAudioStreamInfo,
        /// Direct play failed for no other reason (no video direct-play profile at all).
        DirectPlayError,
        /// A video range (SDR/HDR kind) condition failed.
        VideoRangeTypeNotSupported,
        /// A codec tag condition failed.
        VideoCodecTagNotSupported,
        /// A stream count condition failed.
        StreamCountExceedsLimit,
    }
);

impl TranscodeReason {
    fn bit(self) -> u32 {
        1 << (self as u32)
    }

    /// The reason Jellyfin gives when `property`'s condition fails (`GetTranscodeReasonForFailedCondition`);
    /// `None` for the properties it gives none for.
    pub fn for_failed_condition(property: ConditionProperty) -> Option<Self> {
        use ConditionProperty as P;
        Some(match property {
            P::AudioBitrate => Self::AudioBitrateNotSupported,
            P::AudioChannels => Self::AudioChannelsNotSupported,
            P::AudioProfile => Self::AudioProfileNotSupported,
            P::AudioSampleRate => Self::AudioSampleRateNotSupported,
            P::AudioBitDepth => Self::AudioBitDepthNotSupported,
            P::Height | P::Width => Self::VideoResolutionNotSupported,
            P::IsAnamorphic => Self::AnamorphicVideoNotSupported,
            P::IsInterlaced => Self::InterlacedVideoNotSupported,
            P::IsSecondaryAudio => Self::SecondaryAudioNotSupported,
            P::RefFrames => Self::RefFramesNotSupported,
            P::VideoBitDepth => Self::VideoBitDepthNotSupported,
            P::VideoBitrate => Self::VideoBitrateNotSupported,
            P::VideoCodecTag => Self::VideoCodecTagNotSupported,
            P::VideoFramerate => Self::VideoFramerateNotSupported,
            P::VideoLevel => Self::VideoLevelNotSupported,
            P::VideoProfile => Self::VideoProfileNotSupported,
            P::VideoRangeType => Self::VideoRangeTypeNotSupported,
            P::NumStreams => Self::StreamCountExceedsLimit,
            P::Has64BitOffsets
            | P::IsAvc
            | P::NumAudioStreams
            | P::NumVideoStreams
            | P::PacketLength
            | P::VideoTimestamp => return None,
        })
    }
}

/// A set of [`TranscodeReason`]s (Jellyfin's flags value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TranscodeReasons(u32);

impl TranscodeReasons {
    /// No reason.
    pub const NONE: Self = Self(0);

    /// The set of `reasons`.
    pub fn of(reasons: &[TranscodeReason]) -> Self {
        reasons.iter().fold(Self::NONE, |acc, r| acc | *r)
    }

    /// Whether there is no reason.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether `reason` is in the set.
    pub fn contains(self, reason: TranscodeReason) -> bool {
        self.0 & reason.bit() != 0
    }

    /// Whether the sets share a reason.
    pub fn intersects(self, other: Self) -> bool {
        self.0 & other.0 != 0
    }

    /// The reasons of `self` not in `other`.
    pub fn without(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }

    /// The reasons in Jellyfin's order.
    pub fn iter(self) -> impl Iterator<Item = TranscodeReason> {
        TranscodeReason::ALL
            .iter()
            .copied()
            .filter(move |r| self.contains(*r))
    }

    /// The names in Jellyfin's order.
    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(TranscodeReason::name).collect()
    }
}

impl std::ops::BitOr for TranscodeReasons {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl std::ops::BitOr<TranscodeReason> for TranscodeReasons {
    type Output = Self;
    fn bitor(self, rhs: TranscodeReason) -> Self {
        Self(self.0 | rhs.bit())
    }
}

impl std::ops::BitOrAssign for TranscodeReasons {
    fn bitor_assign(&mut self, rhs: Self) {
        self.0 |= rhs.0;
    }
}

impl std::ops::BitOrAssign<TranscodeReason> for TranscodeReasons {
    fn bitor_assign(&mut self, rhs: TranscodeReason) {
        self.0 |= rhs.bit();
    }
}

impl std::ops::BitAnd for TranscodeReasons {
    type Output = Self;
    fn bitand(self, rhs: Self) -> Self {
        Self(self.0 & rhs.0)
    }
}

impl From<TranscodeReason> for TranscodeReasons {
    fn from(r: TranscodeReason) -> Self {
        Self(r.bit())
    }
}

/// Jellyfin's reason groups (`StreamBuilder`'s aliases).
pub(crate) mod groups {
    use super::TranscodeReason as R;
    use super::TranscodeReasons;

    /// `ContainerReasons`.
    pub fn container() -> TranscodeReasons {
        TranscodeReasons::of(&[R::ContainerNotSupported, R::ContainerBitrateExceedsLimit])
    }

    /// `AudioCodecReasons`.
    pub fn audio_codec() -> TranscodeReasons {
        TranscodeReasons::of(&[
            R::AudioBitrateNotSupported,
            R::AudioChannelsNotSupported,
            R::AudioProfileNotSupported,
            R::AudioSampleRateNotSupported,
            R::SecondaryAudioNotSupported,
            R::AudioBitDepthNotSupported,
            R::AudioIsExternal,
        ])
    }

    /// `VideoCodecReasons`.
    pub fn video_codec() -> TranscodeReasons {
        TranscodeReasons::of(&[
            R::VideoResolutionNotSupported,
            R::AnamorphicVideoNotSupported,
            R::InterlacedVideoNotSupported,
            R::VideoBitDepthNotSupported,
            R::VideoBitrateNotSupported,
            R::VideoFramerateNotSupported,
            R::VideoLevelNotSupported,
            R::RefFramesNotSupported,
            R::VideoRangeTypeNotSupported,
            R::VideoProfileNotSupported,
        ])
    }

    /// `VideoReasons`.
    pub fn video() -> TranscodeReasons {
        video_codec() | R::VideoCodecNotSupported
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_names() {
        let set = TranscodeReasons::of(&[
            TranscodeReason::AudioCodecNotSupported,
            TranscodeReason::StreamCountExceedsLimit,
            TranscodeReason::ContainerNotSupported,
            TranscodeReason::ContainerBitrateExceedsLimit,
        ]);
        assert_eq!(
            set.names(),
            [
                "ContainerNotSupported",
                "AudioCodecNotSupported",
                "ContainerBitrateExceedsLimit",
                "StreamCountExceedsLimit"
            ]
        );
        assert_eq!(TranscodeReason::ALL.len(), 27);
        assert_eq!(
            TranscodeReason::from_name("videocodecnotsupported"),
            Some(TranscodeReason::VideoCodecNotSupported)
        );
        assert!(groups::audio_codec().contains(TranscodeReason::SecondaryAudioNotSupported));
        assert!(!groups::video_codec().contains(TranscodeReason::VideoCodecNotSupported));
        assert_eq!(
            TranscodeReason::for_failed_condition(ConditionProperty::Width),
            Some(TranscodeReason::VideoResolutionNotSupported)
        );
        assert_eq!(
            TranscodeReason::for_failed_condition(ConditionProperty::NumAudioStreams),
            None
        );
    }
}
